import { defineApp } from '../lib/app-spec';

// discord-bot: the project's own example of a chat bot (discord.js on Node): a worker with no port, since
// it dials out to Discord's gateway (wss, 443) and REST API instead of being called. Not an upstream app.
// One replica only: two would both answer every command (Discord does not balance a bot's gateway
// sessions across processes without sharding). The bot touches /tmp/heartbeat on every gateway heartbeat
// ACK; the exec probe restarts it when that goes stale (a wedged websocket looks alive to the process).
// Infisical /apps/discord-bot: DISCORD_TOKEN, DISCORD_APPLICATION_ID.
export default defineApp({
  image: 'ghcr.io/hobby-infra/discord-bot:0.7.1',
  env: { NODE_ENV: 'production', LOG_LEVEL: 'info', HEARTBEAT_FILE: '/tmp/heartbeat' },
  secrets: true,
  egressPorts: [443],
  healthCommand: ['/bin/sh', '-c', 'test $(( $(date +%s) - $(stat -c %Y /tmp/heartbeat) )) -lt 120'],
  startupSeconds: 120,
  resources: { requests: { cpu: '20m', memory: '96Mi' }, limits: { cpu: '250m', memory: '192Mi' } },
});
