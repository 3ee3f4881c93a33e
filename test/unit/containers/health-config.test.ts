import assert from 'node:assert/strict';
import {
  formatGoDuration,
  hasHealthcheck,
  healthConfigOf,
  mergeHealthcheck,
  parseContainerCreate,
  resolveHealthcheck,
  validateHealthcheck,
} from '../../../worker/engine/containers';

const MS = 1e6;
const S = 1e9;

describe('healthcheck config', () => {
  describe('mergeHealthcheck (Docker: the container over the image)', () => {
    const image = {
      Test: ['CMD', 'img'],
      Interval: 10 * S,
      Timeout: 3 * S,
      StartPeriod: S,
      StartInterval: S,
      Retries: 5,
    };

    it('takes the image healthcheck when the container has none', () => {
      assert.deepEqual(mergeHealthcheck(undefined, image), image);
      assert.deepEqual(mergeHealthcheck(null, image), image);
      assert.equal(mergeHealthcheck(undefined, undefined), undefined);
      assert.deepEqual(mergeHealthcheck({ Test: ['CMD', 'x'] }, undefined), { Test: ['CMD', 'x'] });
    });

    it('fills the fields the container left zero or empty, field by field', () => {
      assert.deepEqual(mergeHealthcheck({ Interval: 200 * MS }, image), { ...image, Interval: 200 * MS });
      assert.deepEqual(mergeHealthcheck({ Test: [], Retries: 0 }, image), image);
      assert.deepEqual(mergeHealthcheck({ Test: ['CMD-SHELL', 'mine'], Retries: 1 }, image), {
        ...image,
        Test: ['CMD-SHELL', 'mine'],
        Retries: 1,
      });
    });

    it('keeps a container NONE (it disables the image check)', () => {
      const m = mergeHealthcheck({ Test: ['NONE'] }, image)!;
      assert.deepEqual(m.Test, ['NONE']);
      assert.equal(hasHealthcheck(m), false);
    });

    it('does not change its inputs', () => {
      const c = { Interval: 5 * S };
      mergeHealthcheck(c, image);
      assert.deepEqual(c, { Interval: 5 * S });
    });
  });

  it('healthConfigOf keeps the well-typed fields of an image config', () => {
    assert.equal(healthConfigOf(undefined), undefined);
    assert.equal(healthConfigOf('x'), undefined);
    assert.deepEqual(healthConfigOf({ Test: ['CMD', 'a'], Interval: 5, Timeout: 'x', Retries: -1, Other: 1 }), {
      Test: ['CMD', 'a'],
      Interval: 5,
    });
  });

  describe('validateHealthcheck (Docker: 400 at create)', () => {
    const cases: Array<[Record<string, number>, string]> = [
      [{ Interval: 1 }, 'Interval in Healthcheck cannot be less than 1ms'],
      [{ Interval: -5 * S }, 'Interval in Healthcheck cannot be less than 1ms'],
      [{ Timeout: MS - 1 }, 'Timeout in Healthcheck cannot be less than 1ms'],
      [{ Retries: -1 }, 'Retries in Healthcheck cannot be negative'],
      [{ StartPeriod: 10 }, 'StartPeriod in Healthcheck cannot be less than 1ms'],
      [{ StartInterval: 999 }, 'StartInterval in Healthcheck cannot be less than 1ms'],
    ];
    for (const [h, message] of cases) {
      it(`${JSON.stringify(h)}: ${message}`, () => {
        assert.throws(() => validateHealthcheck(h), { message, httpStatus: 400 } as never);
        assert.throws(() => parseContainerCreate({ Image: 'busybox', Healthcheck: h }), { message } as never);
      });
    }

    it('takes zero (the default) and 1ms', () => {
      validateHealthcheck({ Interval: 0, Timeout: 0, StartPeriod: 0, StartInterval: 0, Retries: 0 });
      validateHealthcheck({ Interval: MS, Timeout: MS, StartPeriod: MS, StartInterval: MS });
      validateHealthcheck(undefined);
      const body = parseContainerCreate({
        Image: 'busybox',
        Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 200 * MS, Retries: 2 },
      });
      assert.deepEqual(body.Healthcheck, { Test: ['CMD-SHELL', 'true'], Interval: 200 * MS, Retries: 2 });
    });

    it('names a mistyped field', () => {
      assert.throws(
        () => parseContainerCreate({ Image: 'b', Healthcheck: { Interval: '1s' } }),
        /Healthcheck\.Interval/,
      );
    });
  });

  describe('resolveHealthcheck', () => {
    it('applies Docker defaults: interval 30s, timeout 30s, start period 0, start interval 5s, retries 3', () => {
      assert.deepEqual(resolveHealthcheck({ Test: ['CMD', 'true'] }), {
        cmd: ['true'],
        intervalMs: 30_000,
        timeoutMs: 30_000,
        startPeriodMs: 0,
        startIntervalMs: 5_000,
        retries: 3,
      });
    });

    it('runs CMD as given and CMD-SHELL through /bin/sh -c (or the container shell)', () => {
      assert.deepEqual(resolveHealthcheck({ Test: ['CMD', 'test', '-f', '/x'] })!.cmd, ['test', '-f', '/x']);
      assert.deepEqual(resolveHealthcheck({ Test: ['CMD-SHELL', 'test -f /x'] })!.cmd, ['/bin/sh', '-c', 'test -f /x']);
      assert.deepEqual(resolveHealthcheck({ Test: ['CMD-SHELL', 'x'] }, ['/bin/ash', '-c'])!.cmd, [
        '/bin/ash',
        '-c',
        'x',
      ]);
    });

    it('converts ns to ms and keeps a positive Retries', () => {
      const r = resolveHealthcheck({
        Test: ['CMD', 'true'],
        Interval: 200 * MS,
        Timeout: 1500 * MS,
        StartPeriod: 2 * S,
        StartInterval: 100 * MS,
        Retries: 1,
      })!;
      assert.deepEqual(
        [r.intervalMs, r.timeoutMs, r.startPeriodMs, r.startIntervalMs, r.retries],
        [200, 1500, 2000, 100, 1],
      );
    });

    it('runs nothing for none, an empty Test, NONE or an unknown test type', () => {
      for (const h of [undefined, null, {}, { Test: [] }, { Test: ['NONE'] }, { Test: ['HTTP', '/'] }])
        assert.equal(resolveHealthcheck(h as never), undefined, JSON.stringify(h));
      assert.equal(hasHealthcheck({ Test: ['CMD-SHELL', 'true'] }), true);
    });
  });

  it('formatGoDuration prints as Go does', () => {
    const cases: Array<[number, string]> = [
      [30_000, '30s'],
      [200, '200ms'],
      [1500, '1.5s'],
      [1, '1ms'],
      [1.5, '1.5ms'],
      [0.5, '500µs'],
      [60_000, '1m0s'],
      [90_000, '1m30s'],
      [3_600_000, '1h0m0s'],
      [3_725_500, '1h2m5.5s'],
      [0, '0s'],
    ];
    for (const [ms, text] of cases) assert.equal(formatGoDuration(ms), text, String(ms));
  });
});
