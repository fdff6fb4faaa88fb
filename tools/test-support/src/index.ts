export { freePort, redisServerMissing, startRedis, type RedisServer } from './redis-server.js';
export { unacceptingListener, type UnacceptingListener } from './unaccepting-listener.js';
