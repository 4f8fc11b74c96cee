package io.switchboard.gateway;

import io.switchboard.msgpack.json.JsonSettings;
import java.util.concurrent.Executor;

/**
 * What every request on the front needs: the routes, the global CORS settings (or null), the JSON
 * limits and the executor calls start on (null: the event loop).
 */
record FrontSettings(RouteTable table, Cors cors, JsonSettings json, Executor executor) {}
