import { describe, expect, it } from 'vitest';
import { MemberMetadataTracker, withCgrpDebug } from './member-metadata.ts';

// Lines as librdkafka 2.15 logs them (captured from the binding's `event.log` against a 4.1.1 broker).
const REJOIN = '[thrd:main]: JoinGroup response: GenerationId -1, Protocol , LeaderId , my MemberId rdkafka-c3ac, member metadata count 0: Broker: Group member needs a valid member ID';
const JOINED = '[thrd:main]: JoinGroup response: GenerationId 7, Protocol cooperative-sticky, LeaderId rdkafka-c3ac (me), my MemberId rdkafka-c3ac, member metadata count 1: (no error)';

describe('MemberMetadataTracker', () => {
  it('takes member id and generation from a successful JoinGroup response only', () => {
    const t = new MemberMetadataTracker('g', null);
    t.onLog('[thrd:app]: Group "g": updating member id "(not-set)" -> ""');
    t.onLog(REJOIN);
    expect(t.metadata()).toBeUndefined();
    t.onLog('[thrd:main]: Group "g": updating member id "" -> "rdkafka-c3ac"');
    expect(t.metadata()).toBeUndefined();
    t.onLog(JOINED);
    expect(t.metadata()).toEqual({ groupId: 'g', memberId: 'rdkafka-c3ac', generationId: 7, groupInstanceId: null });
  });

  it('forgets the generation when the member id changes; KIP-848 heartbeats give the member epoch', () => {
    const t = new MemberMetadataTracker('g', 'static-1');
    t.onLog(JOINED);
    t.onLog('[thrd:main]: Group "g": updating member id "rdkafka-c3ac" -> "rdkafka-c3ac"');
    expect(t.metadata()?.generationId).toBe(7);
    t.onLog('[thrd:main]: Group "g": updating member id "rdkafka-c3ac" -> ""');
    expect(t.metadata()).toBeUndefined();
    t.onLog('[thrd:main]: ConsumerGroupHeartbeat response received for member id "m-848" with epoch 12');
    expect(t.metadata()).toEqual({ groupId: 'g', memberId: 'm-848', generationId: 12, groupInstanceId: 'static-1' });
  });

  it('adds the cgrp debug context once', () => {
    expect(withCgrpDebug(undefined)).toBe('cgrp');
    expect(withCgrpDebug('broker,topic')).toBe('broker,topic,cgrp');
    expect(withCgrpDebug('all')).toBe('all');
    expect(withCgrpDebug('cgrp,fetch')).toBe('cgrp,fetch');
  });
});
