/**
 * Simulator speed: a day of a contact center (N conversations, M agents) in virtual time on the real machines and
 * actor host, and the time one run takes. Run: npx tsx bench/simulate.bench.ts [conversations] [agents]
 * (default 10,000 conversations and 500 agents over 24 h); prints conversations/s, actor events/s and the time the
 * issue's target day (100,000 conversations, 500 agents) would take at that rate.
 */
import { loadavg } from 'node:os';
import { simulate } from '../engine/simulate/simulator.js';

const conversations = Number(process.argv[2] ?? 10_000);
const agents = Number(process.argv[3] ?? 500);
const hours = 24;
// Handle time chosen so that the agents run at ~80 % occupancy over the day.
const ratePerHour = conversations / hours;
const meanSeconds = Math.round((0.8 * agents * 3_600) / ratePerHour);

const t0 = performance.now();
const cpu0 = process.cpuUsage();
const r = await simulate({
  seed: 1,
  durationHours: hours,
  warmupHours: 1,
  intervalMinutes: 60,
  queues: [{ id: 'q', serviceLevelSeconds: 20 }],
  agents: [{ count: agents, queues: ['q'] }],
  arrivals: [{ queue: 'q', ratePerHour }],
  handleTime: { distribution: 'exponential', meanSeconds },
  patience: { distribution: 'exponential', meanSeconds: 600 },
});
const s = (performance.now() - t0) / 1_000;
const cpu = process.cpuUsage(cpu0);
const perSecond = r.run.conversations / s;
console.log(
  JSON.stringify(
    {
      conversations: r.run.conversations,
      agents,
      actorEvents: r.run.actorEvents,
      seconds: Math.round(s * 10) / 10,
      cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 10) / 10,
      conversationsPerSecond: Math.round(perSecond),
      eventsPerSecond: Math.round(r.run.actorEvents / s),
      targetDaySeconds: Math.round(100_000 / perSecond),
      occupancy: r.total.occupancy,
      serviceLevel: r.total.serviceLevel,
      loadAverage: loadavg()[0],
    },
    null,
    2,
  ),
);
