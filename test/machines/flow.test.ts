import { describe, expect, it } from 'vitest';
import { parseRoutingConfig, RoutingConfigError } from '../../engine/config/routing.js';
import { evaluateSchedules, localTime, matchKeywords } from '../../machines/flow.js';
import { freeSlots, skillsAfterWait } from '../../machines/routing.js';
import { DEFAULT_UTILIZATION } from '../../machines/routing-config.js';

const config = parseRoutingConfig({
  skills: ['billing'],
  queues: [{ id: 'main' }, { id: 'billing' }],
  flows: [
    {
      integrationId: '*',
      timeZone: 'America/New_York',
      defaultQueueId: 'main',
      openHours: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' }],
      specialDays: [
        { date: '2026-07-03', name: 'Independence Day (observed)', autoResponse: 'Closed today', action: 'route' },
      ],
      closedPeriods: [{ from: '2026-03-10T12:00', to: '2026-03-10T13:00' }],
      closed: { autoResponse: 'Closed', action: 'route' },
      keywordRules: [
        { keywords: ['Invoice'], queueId: 'billing', skills: ['billing'], priority: 4 },
        { keywords: [], intents: ['billing-intent'], queueId: 'billing' },
      ],
    },
  ],
});
const flow = config.flows['*'];

describe('inbound flow', () => {
  it('evaluates schedules in the flow time zone, across DST', () => {
    // 2026-03-09 13:30 UTC is 09:30 in New York (EDT since 8 March): open.
    expect(localTime(Date.UTC(2026, 2, 9, 13, 30), 'America/New_York')).toEqual({
      date: '2026-03-09',
      time: '09:30',
      weekday: 1,
    });
    expect(evaluateSchedules(flow, Date.UTC(2026, 2, 9, 13, 30)).schedule).toBe('open');
    // The same UTC time a week earlier is 08:30 EST: closed.
    expect(evaluateSchedules(flow, Date.UTC(2026, 2, 2, 13, 30)).schedule).toBe('closed');
    expect(evaluateSchedules(flow, Date.UTC(2026, 2, 10, 16, 30))).toMatchObject({
      schedule: 'closed',
      outcome: { autoResponse: 'Closed' },
    });
    expect(evaluateSchedules(flow, Date.UTC(2026, 6, 3, 15, 0))).toMatchObject({
      schedule: 'special_day',
      name: 'Independence Day (observed)',
    });
    expect(
      evaluateSchedules({ ...flow, emergency: { active: true, action: 'end' } }, Date.UTC(2026, 6, 3, 15, 0)).schedule,
    ).toBe('emergency');
  });

  it('applies the first matching keyword or intent rule, else the defaults', () => {
    expect(matchKeywords(flow, 'where is my INVOICE?', undefined)).toMatchObject({
      queueId: 'billing',
      skills: ['billing'],
      priority: 4,
      rule: 0,
    });
    expect(matchKeywords(flow, 'hello', 'billing-intent')).toMatchObject({ queueId: 'billing', rule: 1 });
    expect(matchKeywords(flow, 'hello', undefined)).toEqual({ queueId: 'main', skills: [], priority: 0 });
  });

  it('blends media: a call blocks new messages, messages do not block a call, totals cap', () => {
    expect(freeSlots(DEFAULT_UTILIZATION, { voice: 1 }, 'message')).toBe(0);
    expect(freeSlots(DEFAULT_UTILIZATION, { message: 2 }, 'voice')).toBe(1);
    expect(freeSlots(DEFAULT_UTILIZATION, { message: 4 }, 'voice')).toBe(1);
    expect(freeSlots(DEFAULT_UTILIZATION, { message: 4, voice: 1 }, 'email')).toBe(0);
    expect(
      freeSlots(
        {
          ...DEFAULT_UTILIZATION,
          media: { ...DEFAULT_UTILIZATION.media, voice: { max: 1, interruptibleBy: ['message'] } },
        },
        { voice: 1 },
        'message',
      ),
    ).toBe(4);
  });

  it('bullseye rings drop skills as wait grows', () => {
    const rings = [
      { timeoutSeconds: 10, skillsToRemove: ['fr'] },
      { timeoutSeconds: 20, skillsToRemove: ['*'] },
    ];
    expect(skillsAfterWait(['fr', 'vip'], rings, 9_999)).toEqual(['fr', 'vip']);
    expect(skillsAfterWait(['fr', 'vip'], rings, 10_000)).toEqual(['vip']);
    expect(skillsAfterWait(['fr', 'vip'], rings, 30_000)).toEqual([]);
  });
});

describe('routing configuration', () => {
  it('names the path of every bad field', () => {
    const bad = () =>
      parseRoutingConfig({
        skills: ['billing'],
        queues: [{ id: 'main', acw: { mode: 'timeboxed', defaultCode: 'Whatever' } }, { id: 'main' }],
        agents: [
          { id: 'a 1', queues: ['main'] },
          { id: 'b', skills: { cooking: 3 }, queues: ['nope'] },
        ],
        flows: [{ integrationId: '*', defaultQueueId: 'ghost', timeZone: 'Mars/Olympus' }],
      });
    expect(bad).toThrow(RoutingConfigError);
    try {
      bad();
    } catch (err) {
      const paths = (err as RoutingConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['agents[0].id', 'flows[0].timeZone']));
    }
    try {
      parseRoutingConfig({
        skills: ['billing'],
        queues: [{ id: 'main', acw: { mode: 'timeboxed', defaultCode: 'Whatever' } }, { id: 'main' }],
        agents: [{ id: 'b', skills: { cooking: 3 }, queues: ['nope'] }],
        flows: [{ integrationId: '*', defaultQueueId: 'ghost', keywordRules: [{ keywords: [] }] }],
      });
      expect.unreachable();
    } catch (err) {
      expect((err as RoutingConfigError).issues).toEqual(
        expect.arrayContaining([
          { path: 'queues[0].acw.defaultCode', message: '"Whatever" is not in wrapupCodes' },
          { path: 'queues[1].id', message: 'duplicate id "main"' },
          { path: 'agents[0].skills.cooking', message: 'skill "cooking" is not declared in skills' },
          { path: 'agents[0].queues[0]', message: 'queue "nope" is not configured' },
          { path: 'flows[0].defaultQueueId', message: 'queue "ghost" is not configured' },
          { path: 'flows[0].keywordRules[0]', message: 'give at least one keyword or intent' },
        ]),
      );
    }
  });

  it('fills Genesys-like defaults (codes, reasons, utilization)', () => {
    const c = parseRoutingConfig({ queues: [{ id: 'q' }], agents: [{ id: 'a', queues: ['q'] }] });
    expect(c.wrapupCodes).toEqual([
      'Cross Sell',
      'Need Follow Up',
      'Not Right Skill',
      'Processed',
      'Terminated',
      'Transferred',
      'Up Sell',
    ]);
    expect(c.notReadyReasons).toEqual(['Admin Work', 'Lunch', 'Meeting', 'Pause', 'RONA', 'Training']);
    expect(c.agents.a.utilization.media.message?.max).toBe(4);
    expect(c.queues.q).toMatchObject({
      strategy: 'longest_idle',
      alertingTimeoutSeconds: 30,
      affinity: { mode: 'any_queue' },
      acw: { mode: 'optional' },
    });
  });
});
