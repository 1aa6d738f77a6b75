import { describe, expect, it } from 'vitest';
import {
  AlreadyAliveException,
  AuthorizationException,
  FailedException,
  IllegalArgumentException,
  IllegalStateException,
  InvalidTopologyException,
  NotAliveException,
  ReportedFailedException,
  RuntimeException,
  UnsupportedOperationException,
} from '../../../compat/component/exceptions.ts';

describe('Java-named exceptions (R1)', () => {
  it.each([
    [RuntimeException, 'RuntimeException'],
    [IllegalArgumentException, 'IllegalArgumentException'],
    [IllegalStateException, 'IllegalStateException'],
    [UnsupportedOperationException, 'UnsupportedOperationException'],
    [InvalidTopologyException, 'InvalidTopologyException'],
    [AlreadyAliveException, 'AlreadyAliveException'],
    [NotAliveException, 'NotAliveException'],
    [AuthorizationException, 'AuthorizationException'],
    [FailedException, 'FailedException'],
    [ReportedFailedException, 'ReportedFailedException'],
  ])('%o has name %s and keeps the message', (Ctor, name) => {
    const e = new Ctor('boom');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe(name);
    expect(e.message).toBe('boom');
    expect(String(e)).toBe(`${name}: boom`);
  });

  it('mirrors the Java hierarchy basic bolts rely on', () => {
    expect(new ReportedFailedException('x')).toBeInstanceOf(FailedException);
    expect(new FailedException('x')).toBeInstanceOf(RuntimeException);
    expect(new IllegalArgumentException('x')).toBeInstanceOf(RuntimeException);
    expect(new FailedException('x')).not.toBeInstanceOf(ReportedFailedException);
  });

  it('accepts a cause like Java', () => {
    const cause = new Error('inner');
    const e = new RuntimeException(cause);
    expect(e.cause).toBe(cause);
    expect(e.message).toContain('inner');
  });

  it('user subclasses get their own name', () => {
    class MyFailure extends FailedException {}
    expect(new MyFailure('m').name).toBe('MyFailure');
  });
});
