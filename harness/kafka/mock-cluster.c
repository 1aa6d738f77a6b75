/*
 * Test launcher for librdkafka's in-process mock Kafka cluster.
 *
 * Prints one line with the bootstrap servers, then serves line commands on stdin and
 * answers each with "ok [detail]" or "err <message>". Exits on stdin EOF so the cluster
 * never outlives the test process that spawned it.
 *
 *   topic NAME PARTITIONS REPLICATION
 *   down BROKER_ID | up BROKER_ID                 (-1 = all brokers)
 *   errors API_KEY ERR [ERR...]                   cluster-wide request error stack
 *   broker_errors BROKER_ID API_KEY ERR [ERR...]  per-broker error stack
 *   clear_errors API_KEY
 *   rtt BROKER_ID MS
 *   leader TOPIC PARTITION BROKER_ID
 *   coordinator KEY_TYPE KEY BROKER_ID             KEY_TYPE is "group" or "transaction"
 *   topic_error TOPIC ERR
 *   apiversion API_KEY MIN MAX
 *   brokers                                        reply: ok <id>=<host:port> ...
 *   ping
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_ARGS 64

static rd_kafka_mock_cluster_t *mcluster;
static int broker_cnt;

static void reply_err(rd_kafka_resp_err_t err) {
        if (err)
                printf("err %s\n", rd_kafka_err2str(err));
        else
                printf("ok\n");
}

static int parse_int(const char *s, long *out) {
        char *end;
        errno = 0;
        *out  = strtol(s, &end, 10);
        return errno == 0 && end != s && *end == '\0';
}

static void handle(int argc, char **argv) {
        long a, b, c;
        if (argc == 0) {
                printf("err empty command\n");
                return;
        }
        const char *cmd = argv[0];

        if (!strcmp(cmd, "ping")) {
                printf("ok\n");
        } else if (!strcmp(cmd, "brokers")) {
                /* Mock broker ids are 1..N and the bootstrap list is in id order. */
                printf("ok %s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
        } else if (!strcmp(cmd, "topic")) {
                if (argc != 4 || !parse_int(argv[2], &a) || !parse_int(argv[3], &b)) {
                        printf("err usage: topic NAME PARTITIONS REPLICATION\n");
                        return;
                }
                reply_err(rd_kafka_mock_topic_create(mcluster, argv[1], (int)a, (int)b));
        } else if (!strcmp(cmd, "down") || !strcmp(cmd, "up")) {
                if (argc != 2 || !parse_int(argv[1], &a)) {
                        printf("err usage: %s BROKER_ID\n", cmd);
                        return;
                }
                reply_err(!strcmp(cmd, "down")
                              ? rd_kafka_mock_broker_set_down(mcluster, (int32_t)a)
                              : rd_kafka_mock_broker_set_up(mcluster, (int32_t)a));
        } else if (!strcmp(cmd, "rtt")) {
                if (argc != 3 || !parse_int(argv[1], &a) || !parse_int(argv[2], &b)) {
                        printf("err usage: rtt BROKER_ID MS\n");
                        return;
                }
                reply_err(rd_kafka_mock_broker_set_rtt(mcluster, (int32_t)a, (int)b));
        } else if (!strcmp(cmd, "errors")) {
                rd_kafka_resp_err_t errs[MAX_ARGS];
                int n = 0;
                if (argc < 3 || !parse_int(argv[1], &a)) {
                        printf("err usage: errors API_KEY ERR [ERR...]\n");
                        return;
                }
                for (int i = 2; i < argc; i++) {
                        if (!parse_int(argv[i], &b)) {
                                printf("err bad error code '%s'\n", argv[i]);
                                return;
                        }
                        errs[n++] = (rd_kafka_resp_err_t)b;
                }
                rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)a, (size_t)n, errs);
                printf("ok\n");
        } else if (!strcmp(cmd, "broker_errors")) {
                /* The variadic API takes (err, rtt) pairs; push one at a time to avoid
                 * building a va_list by hand. */
                if (argc < 4 || !parse_int(argv[1], &a) || !parse_int(argv[2], &b)) {
                        printf("err usage: broker_errors BROKER_ID API_KEY ERR [ERR...]\n");
                        return;
                }
                for (int i = 3; i < argc; i++) {
                        if (!parse_int(argv[i], &c)) {
                                printf("err bad error code '%s'\n", argv[i]);
                                return;
                        }
                }
                for (int i = 3; i < argc; i++) {
                        parse_int(argv[i], &c);
                        rd_kafka_resp_err_t err = rd_kafka_mock_broker_push_request_error_rtts(
                            mcluster, (int32_t)a, (int16_t)b, 1, (rd_kafka_resp_err_t)c, 0);
                        if (err) {
                                reply_err(err);
                                return;
                        }
                }
                printf("ok\n");
        } else if (!strcmp(cmd, "clear_errors")) {
                if (argc != 2 || !parse_int(argv[1], &a)) {
                        printf("err usage: clear_errors API_KEY\n");
                        return;
                }
                rd_kafka_mock_clear_request_errors(mcluster, (int16_t)a);
                printf("ok\n");
        } else if (!strcmp(cmd, "leader")) {
                if (argc != 4 || !parse_int(argv[2], &a) || !parse_int(argv[3], &b)) {
                        printf("err usage: leader TOPIC PARTITION BROKER_ID\n");
                        return;
                }
                reply_err(rd_kafka_mock_partition_set_leader(mcluster, argv[1], (int32_t)a,
                                                             (int32_t)b));
        } else if (!strcmp(cmd, "coordinator")) {
                if (argc != 4 || !parse_int(argv[3], &a)) {
                        printf("err usage: coordinator KEY_TYPE KEY BROKER_ID\n");
                        return;
                }
                reply_err(rd_kafka_mock_coordinator_set(mcluster, argv[1], argv[2], (int32_t)a));
        } else if (!strcmp(cmd, "topic_error")) {
                if (argc != 3 || !parse_int(argv[2], &a)) {
                        printf("err usage: topic_error TOPIC ERR\n");
                        return;
                }
                rd_kafka_mock_topic_set_error(mcluster, argv[1], (rd_kafka_resp_err_t)a);
                printf("ok\n");
        } else if (!strcmp(cmd, "apiversion")) {
                if (argc != 4 || !parse_int(argv[1], &a) || !parse_int(argv[2], &b) ||
                    !parse_int(argv[3], &c)) {
                        printf("err usage: apiversion API_KEY MIN MAX\n");
                        return;
                }
                reply_err(rd_kafka_mock_set_apiversion(mcluster, (int16_t)a, (int16_t)b,
                                                       (int16_t)c));
        } else {
                printf("err unknown command '%s'\n", cmd);
        }
}

int main(int argc, char **argv) {
        char errstr[512];
        char line[4096];

        /* Belt and braces next to stdin EOF: a SIGKILLed parent never closes our stdin
         * if a grandchild inherited it. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);

        broker_cnt = argc > 1 ? atoi(argv[1]) : 3;
        if (broker_cnt < 1) {
                fprintf(stderr, "mock-cluster: broker count must be >= 1\n");
                return 2;
        }

        /* The mock needs an rd_kafka_t for its internal bookkeeping only; this producer
         * never connects anywhere. */
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mock-cluster: %s\n", errstr);
                return 1;
        }
        /* MOCK_DEBUG (e.g. "mock,protocol") turns on librdkafka's own debug log on stderr,
         * the only window into why the mock answered as it did. */
        const char *debug = getenv("MOCK_DEBUG");
        if (debug && *debug &&
            (rd_kafka_conf_set(conf, "debug", debug, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
             rd_kafka_conf_set(conf, "log_level", "7", errstr, sizeof(errstr)) !=
                 RD_KAFKA_CONF_OK)) {
                fprintf(stderr, "mock-cluster: MOCK_DEBUG: %s\n", errstr);
                return 1;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-cluster: rd_kafka_new: %s\n", errstr);
                return 1;
        }

        mcluster = rd_kafka_mock_cluster_new(rk, broker_cnt);
        if (!mcluster) {
                fprintf(stderr, "mock-cluster: rd_kafka_mock_cluster_new failed\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        setvbuf(stdout, NULL, _IOLBF, 0);
        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));

        while (fgets(line, sizeof(line), stdin)) {
                char *args[MAX_ARGS];
                int n     = 0;
                char *save = NULL;
                for (char *tok = strtok_r(line, " \t\r\n", &save); tok && n < MAX_ARGS;
                     tok       = strtok_r(NULL, " \t\r\n", &save))
                        args[n++] = tok;
                handle(n, args);
        }

        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}
