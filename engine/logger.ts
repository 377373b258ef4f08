/** The engine's logger: JSON lines by default, pretty when asked (development only). */
import { pino, type Logger } from 'pino';

export function createLogger(options: { level?: string; pretty?: boolean; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'switchboard',
    level: options.level ?? 'info',
    ...(options.pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } }
      : {}),
  });
}
