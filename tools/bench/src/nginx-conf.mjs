/**
 * The nginx configuration the harness runs its target with: one worker, no
 * access log, keep-alive that never ends a benchmark connection, and two tiny
 * routes. Every path points into the run's own temp dir so nginx needs no
 * system directory and no root.
 */

/** Enough for the 10 000-session memory scenario plus the listener and margin. */
export const NGINX_WORKER_CONNECTIONS = 16_000;

/**
 * @param {{ dir: string; port: number; host?: string }} options
 * @returns {string}
 */
export function renderNginxConf({ dir, port, host = '127.0.0.1' }) {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new RangeError(`bad port ${port}`);
  return `# Written by tools/bench for one benchmark run.
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_rlimit_nofile 19000;

events {
  worker_connections ${NGINX_WORKER_CONNECTIONS};
  multi_accept on;
}

http {
  access_log off;
  server_tokens off;
  keepalive_requests 1000000000;
  keepalive_timeout 3600s;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  server {
    listen ${host}:${port} backlog=4096;
    default_type text/plain;

    location = / {
      return 200 "ok";
    }

    location = /cookie {
      add_header Set-Cookie "sid=bench; Path=/";
      return 200 "ok";
    }

    location / {
      return 404;
    }
  }
}
`;
}
