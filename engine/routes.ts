/** HTTP route modules of the engine, by feature. Each feature adds its module here. */
import type { RouteModule } from './http.js';
import { conversationRoutes } from './api/conversations.js';
import { agentRoutes } from './api/agents.js';
import { routingAdminRoutes } from './api/admin.js';
import { workspaceRoutes } from './api/workspace.js';
import { reportRoutes } from './api/reports.js';
import { outboundRoutes } from './api/outbound.js';

export const builtinRouteModules: RouteModule[] = [
  conversationRoutes,
  agentRoutes,
  routingAdminRoutes,
  workspaceRoutes,
  reportRoutes,
  outboundRoutes,
];
