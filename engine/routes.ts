/** HTTP route modules of the engine, by feature. Each feature adds its module here. */
import type { RouteModule } from './http.js';
import { conversationRoutes } from './api/conversations.js';

export const builtinRouteModules: RouteModule[] = [
  conversationRoutes,
];
