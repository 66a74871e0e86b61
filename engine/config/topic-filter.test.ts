import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { DefaultReplicationPolicy, IdentityReplicationPolicy } from '../mm2/replication-policy.ts';
import {
  GROUPS_EXCLUDE_DEFAULT, GroupFilter, TOPICS_EXCLUDE_DEFAULT, TopicFilter, compilePatternList, parseList,
} from './topic-filter.ts';

const policy = new DefaultReplicationPolicy();
const filter = (opts: Partial<ConstructorParameters<typeof TopicFilter>[0]> = {}): TopicFilter =>
  new TopicFilter({ replicationPolicy: policy, targetAlias: 'standby', ...opts });

describe('parseList', () => {
  it('splits like Java ConfigDef LIST', () => {
    expect(parseList(' a, b ,c,  d ')).toEqual(['a', 'b', 'c', 'd']);
    expect(parseList('')).toEqual([]);
    expect(parseList('   ')).toEqual([]);
    expect(parseList('single')).toEqual(['single']);
  });
});

describe('compilePatternList', () => {
  it('matches whole names only (Java Pattern.matches)', () => {
    const [re] = compilePatternList('topics', 'orders');
    expect(re?.test('orders')).toBe(true);
    expect(re?.test('orders-v2')).toBe(false);
    expect(re?.test('my-orders')).toBe(false);
    const [alt] = compilePatternList('topics', 'a|b');
    expect(alt?.test('a')).toBe(true);
    expect(alt?.test('ab')).toBe(false);
  });

  it('rejects what java.util.regex.Pattern rejects, naming the key (issue 12: `topics = commit-log{` was accepted)', () => {
    expect(() => compilePatternList('primary->standby.topics', 'commit-log{')).toThrow(
      "Invalid config: 'primary->standby.topics' = 'commit-log{' (expected comma-separated Java regexes; 'commit-log{' is invalid: Illegal repetition near index 11)",
    );
    expect(() => compilePatternList('topics', 'a{2}b, x(?>y)')).toThrow("'x(?>y)' is refused: atomic groups (?>X) is not supported by this engine");
  });

  it('understands Java \\Q…\\E quoting and a leading (?i)', () => {
    const [quoted] = compilePatternList('topics', '\\Qorders.v1\\E.*');
    expect(quoted?.test('orders.v1-x')).toBe(true);
    expect(quoted?.test('ordersXv1')).toBe(false);
    const [ci] = compilePatternList('topics', '(?i)orders');
    expect(ci?.test('ORDERS')).toBe(true);
  });

  it('throws ConfigError naming the key, the whole value and the bad pattern', () => {
    const attempt = (): unknown => compilePatternList('primary->standby.topics', 'orders, (unclosed');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      /^Invalid config: 'primary->standby\.topics' = 'orders, \(unclosed' \(expected comma-separated Java regexes; '\(unclosed' is invalid: /,
    );
  });
});

describe('TopicFilter', () => {
  it('uses the MM2 defaults: everything but internal-looking and replica topics', () => {
    const f = filter();
    expect(f.include).toEqual(['.*']);
    expect(f.exclude).toEqual(parseList(TOPICS_EXCLUDE_DEFAULT));
    expect(f.decide('commit-log')).toEqual({ replicate: true, reason: 'included' });
    expect(f.decide('primary.commit-log')).toEqual({ replicate: true, reason: 'included' });
    expect(f.decide('orders.replica')).toEqual({ replicate: false, reason: 'excluded' });
    expect(f.decide('__consumer_offsets')).toEqual({ replicate: false, reason: 'internal' });
    expect(f.decide('mm2-offset-syncs.standby.internal')).toEqual({ replicate: false, reason: 'internal' });
    expect(f.decide('mm2-progress.primary.internal')).toEqual({ replicate: false, reason: 'internal' });
    expect(f.decide('connect-status-internal')).toEqual({ replicate: false, reason: 'internal' });
  });

  it('never mirrors a topic back to the cluster it came from', () => {
    const f = filter();
    expect(f.decide('standby.orders')).toEqual({ replicate: false, reason: 'cycle' });
    expect(f.decide('primary.standby.orders')).toEqual({ replicate: false, reason: 'cycle' });
    expect(f.decide('standby.heartbeats')).toEqual({ replicate: false, reason: 'cycle' });
  });

  it('mirrors heartbeats topics even when the include list does not name them, unless disabled', () => {
    const f = filter({ include: 'commit-log' });
    expect(f.decide('heartbeats')).toEqual({ replicate: true, reason: 'heartbeats' });
    expect(f.decide('other.heartbeats')).toEqual({ replicate: true, reason: 'heartbeats' });
    expect(f.decide('orders')).toEqual({ replicate: false, reason: 'not-included' });
    const off = filter({ include: 'commit-log', heartbeatsReplicationEnabled: false });
    expect(off.shouldReplicateTopic('heartbeats')).toBe(false);
  });

  it('lets excludes win over includes', () => {
    const f = filter({ include: 'orders.*', exclude: 'orders-tmp.*' });
    expect(f.shouldReplicateTopic('orders-eu')).toBe(true);
    expect(f.decide('orders-tmp-1')).toEqual({ replicate: false, reason: 'excluded' });
    expect(f.matchesLists('orders-tmp-1')).toBe(false);
  });

  it('still skips internal topics when the lists would include them', () => {
    const f = filter({ include: '.*', exclude: '' });
    expect(f.shouldReplicateTopic('__consumer_offsets')).toBe(false);
    expect(f.matchesLists('__consumer_offsets')).toBe(true);
  });

  it('with IdentityReplicationPolicy cannot detect name-based cycles (as MM2)', () => {
    const f = new TopicFilter({ replicationPolicy: new IdentityReplicationPolicy(), targetAlias: 'standby' });
    expect(f.shouldReplicateTopic('commit-log')).toBe(true);
    expect(f.decide('standby.heartbeats')).toEqual({ replicate: false, reason: 'cycle' });
  });

  it('names the key it was given in ConfigError messages', () => {
    expect(() => filter({ include: '[', includeKey: 'primary->standby.topics' })).toThrow("'primary->standby.topics' = '['");
    expect(() => filter({ exclude: 'a(' })).toThrow("'topics.exclude' = 'a('");
  });

  it('includes exactly the listed literal names (property, seed 42)', () => {
    const name = fc.string({ unit: fc.constantFrom(...'abcdefgh0123-_'.split('')), minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), name, (listed, topic) => {
        const f = filter({ include: listed.join(', '), exclude: '' });
        expect(f.shouldReplicateTopic(topic)).toBe(listed.includes(topic));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('never lets an internal topic or a cycle through, whatever the lists (property, seed 42)', () => {
    const chars = fc.constantFrom(...'ab._-'.split(''));
    const topic = fc.oneof(
      fc.string({ unit: chars, minLength: 1, maxLength: 12 }),
      fc.string({ unit: chars, maxLength: 8 }).map((t) => `standby.${t}`),
      fc.string({ unit: chars, maxLength: 8 }).map((t) => `__${t}`),
      fc.string({ unit: chars, maxLength: 8 }).map((t) => `${t}.internal`),
    );
    fc.assert(
      fc.property(topic, fc.boolean(), (t, hb) => {
        const f = filter({ include: '.*', exclude: '', heartbeatsReplicationEnabled: hb });
        if (f.shouldReplicateTopic(t)) {
          expect(policy.isInternalTopic(t)).toBe(false);
          expect(policy.isCycle(t, 'standby')).toBe(false);
        }
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('GroupFilter', () => {
  it('uses the MM2 defaults', () => {
    const g = new GroupFilter();
    expect(g.include).toEqual(['.*']);
    expect(g.exclude).toEqual(parseList(GROUPS_EXCLUDE_DEFAULT));
    expect(g.shouldReplicateGroup('billing-service')).toBe(true);
    expect(g.shouldReplicateGroup('console-consumer-4711')).toBe(false);
    expect(g.shouldReplicateGroup('connect-mirror')).toBe(false);
    expect(g.shouldReplicateGroup('__share')).toBe(false);
  });

  it('applies custom lists with excludes winning', () => {
    const g = new GroupFilter({ include: 'app-.*', exclude: 'app-test' });
    expect(g.shouldReplicateGroup('app-billing')).toBe(true);
    expect(g.shouldReplicateGroup('app-test')).toBe(false);
    expect(g.shouldReplicateGroup('other')).toBe(false);
  });

  it('throws ConfigError naming groups / groups.exclude', () => {
    expect(() => new GroupFilter({ include: '*' })).toThrow("Invalid config: 'groups' = '*'");
    expect(() => new GroupFilter({ exclude: '+', excludeKey: 'primary->standby.groups.exclude' }))
      .toThrow("Invalid config: 'primary->standby.groups.exclude' = '+'");
  });
});
