#!/usr/bin/env node
// ioredis against a Redis-compatible server, the way applications use it.
//
// Usage: node ioredis_check.js HOST PORT [PASSWORD]
//
// Run by tests/clients.rs against redsim, and meant to pass unchanged
// against a real redis-server 7.0: a check that fails against real Redis is
// a bug in this script, not in the server. Each section prints
// `ok: <section>` or `SKIP: <section>: <why>`; a failed section prints
// `FAILED in <section>: ...` with the stack, the other sections still run,
// and the exit status is 1.
//
// Nothing here sleeps to synchronise: waits poll for a condition (CLIENT
// LIST showing the blocked client, a pub/sub message arriving) under a
// generous overall deadline, so a slow machine makes it slower, never wrong.

"use strict";

const assert = require("node:assert/strict");
const Redis = require("ioredis");

const DEADLINE_MS = 10_000; // bound on any single wait; never reached when healthy
const PREFIX = "iocheck:";
const k = (name) => PREFIX + name;

const [host, portArg, password] = process.argv.slice(2);
if (!host || !portArg) {
  console.error("usage: node ioredis_check.js HOST PORT [PASSWORD]");
  process.exit(2);
}
const port = Number(portArg);

// Whatever happens, never hang: the Rust test would wait forever.
setTimeout(() => {
  console.log("FAILED: the whole check took longer than 60 s");
  process.exit(1);
}, 60_000).unref();

const clients = [];

/** A client that fails fast instead of reconnecting forever. */
function client(options = {}) {
  const c = new Redis({
    host,
    port,
    password,
    enableReadyCheck: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: DEADLINE_MS,
    commandTimeout: DEADLINE_MS + 1000,
    ...options,
  });
  // An unhandled 'error' event would crash the process with no context.
  c.on("error", (e) => {
    c.lastError = e;
  });
  clients.push(c);
  return c;
}

/** Resolves on the client's 'ready' (INFO ready check passed). */
function ready(c, what) {
  if (c.status === "ready") return Promise.resolve();
  return withTimeout(
    new Promise((resolve, reject) => {
      c.once("ready", resolve);
      c.once("end", () => reject(new Error(`${what}: connection ended before ready: ${c.lastError}`)));
    }),
    `${what} to become ready`,
  );
}

function withTimeout(promise, what, ms = DEADLINE_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function poll(cond, what) {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${DEADLINE_MS} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A queue of events from an emitter, read one at a time with a deadline. */
function eventQueue(emitter, event) {
  const items = [];
  const waiters = [];
  emitter.on(event, (...args) => {
    const w = waiters.shift();
    if (w) w(args);
    else items.push(args);
  });
  return {
    next(what) {
      if (items.length) return Promise.resolve(items.shift());
      return withTimeout(new Promise((resolve) => waiters.push(resolve)), what);
    },
    get pending() {
      return items.length;
    },
  };
}

function parseClientList(text) {
  return text
    .trim()
    .split("\n")
    .map((line) =>
      Object.fromEntries(
        line
          .trim()
          .split(" ")
          .map((kv) => {
            const i = kv.indexOf("=");
            return [kv.slice(0, i), kv.slice(i + 1)];
          }),
      ),
    );
}

/** assert.match that shows the actual text. */
function matches(actual, pattern, what) {
  assert.match(String(actual), pattern, `${what}: ${JSON.stringify(String(actual))} does not match ${pattern}`);
}

async function hasCommand(r, name) {
  // COMMAND INFO answers a nil entry for a command the server does not know.
  const info = await r.command("INFO", name);
  return Array.isArray(info) && info[0] !== null;
}

async function rejects(promise, pattern, what) {
  try {
    const v = await promise;
    assert.fail(`${what}: expected an error matching ${pattern}, got ${JSON.stringify(v)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    matches(e.message, pattern, `${what}: error`);
    return e;
  }
}

// --------------------------------------------------------------------------

async function checkConnect(r) {
  // ioredis probes INFO before 'ready': another client sees it as the new
  // connection's last command (CLIENT SETNAME / SETINFO come first).
  const fresh = client({ connectionName: "iocheck-fresh" });
  await ready(fresh, "a new client");
  const list = parseClientList(await r.client("LIST"));
  const seen = list.find((c) => c.name === "iocheck-fresh");
  assert.ok(seen, `CLIENT LIST shows iocheck-fresh (connectionName): ${JSON.stringify(list)}`);
  assert.equal(seen.cmd, "info", "the new connection's last command was the INFO ready check");
  await fresh.quit();
  assert.equal(await r.ping(), "PONG", "PING");
  const info = await r.info("server");
  matches(info, /\r\nredis_version:7\./, "INFO server redis_version");
  matches(info, /\r\nrun_id:[0-9a-f]{40}\r\n/, "INFO server run_id");
  const persistence = await r.info("persistence");
  matches(persistence, /\r\nloading:0\r\n/, "INFO persistence loading:0 (what the ready check reads)");
  // ioredis's select on connect (option db).
  const r1 = client({ db: 1 });
  await ready(r1, "the db 1 client");
  await r1.set(k("db1"), "one");
  assert.equal(await r.get(k("db1")), null, "db 0 does not see db 1's key");
  assert.equal(await r1.get(k("db1")), "one", "db 1 sees its key");
  await r1.del(k("db1"));
  assert.equal(await r1.quit(), "OK", "QUIT");
  assert.deepEqual(await r.config("GET", "maxmemory"), ["maxmemory", "0"], "CONFIG GET maxmemory");
}

async function checkStrings(r) {
  assert.equal(await r.set(k("s"), "v", "EX", 100), "OK", "SET EX");
  const ttl = await r.ttl(k("s"));
  assert.ok(ttl >= 98 && ttl <= 100, `TTL after SET EX 100: ${ttl}`);
  assert.equal(await r.set(k("s"), "w", "NX"), null, "SET NX on an existing key");
  assert.equal(await r.set(k("s"), "w", "XX", "GET"), "v", "SET XX GET");
  assert.equal(await r.ttl(k("s")), -1, "SET without KEEPTTL cleared the TTL");
  assert.equal(await r.ttl(k("missing")), -2, "TTL of a missing key");
  assert.equal(await r.set(k("px"), "x", "PX", 60_000), "OK", "SET PX");
  const pttl = await r.pttl(k("px"));
  assert.ok(pttl > 58_000 && pttl <= 60_000, `PTTL after SET PX 60000: ${pttl}`);
  assert.equal(await r.incr(k("n")), 1, "INCR");
  assert.equal(await r.incrby(k("n"), 41), 42, "INCRBY");
  assert.equal(await r.incrbyfloat(k("f"), "1.5"), "1.5", "INCRBYFLOAT");
  assert.equal(await r.mset({ [k("a")]: "1", [k("b")]: "2" }), "OK", "MSET (object)");
  assert.deepEqual(await r.mget(k("a"), k("b"), k("missing")), ["1", "2", null], "MGET");
  assert.equal(await r.getdel(k("a")), "1", "GETDEL");
  const blob = Buffer.concat([Buffer.from([...Array(256).keys()]), Buffer.from("\r\n\0")]);
  await r.set(k("bin"), blob);
  assert.deepEqual(await r.getBuffer(k("bin")), blob, "binary value round-trip (getBuffer)");
  const keys = [];
  await new Promise((resolve, reject) => {
    r.scanStream({ match: k("[bn]*"), count: 2 })
      .on("data", (batch) => keys.push(...batch))
      .on("end", resolve)
      .on("error", reject);
  });
  assert.deepEqual([...new Set(keys)].sort(), [k("b"), k("bin"), k("n")], "scanStream MATCH");
}

async function checkHashes(r) {
  assert.equal(await r.hset(k("h"), { name: "ada", born: "1815" }), 2, "HSET (object)");
  assert.deepEqual(await r.hgetall(k("h")), { name: "ada", born: "1815" }, "HGETALL (object)");
  assert.equal(await r.hincrby(k("h"), "born", 1), 1816, "HINCRBY");
  assert.deepEqual(await r.hmget(k("h"), "name", "nope"), ["ada", null], "HMGET");
  assert.deepEqual(await r.hgetall(k("nohash")), {}, "HGETALL of a missing key");
  const fields = [];
  await new Promise((resolve, reject) => {
    r.hscanStream(k("h"), { match: "n*" })
      .on("data", (batch) => fields.push(...batch))
      .on("end", resolve)
      .on("error", reject);
  });
  assert.deepEqual(fields, ["name", "ada"], "hscanStream MATCH");
}

async function checkListsAndSets(r) {
  assert.equal(await r.rpush(k("l"), "a", "b", "c"), 3, "RPUSH");
  assert.deepEqual(await r.lrange(k("l"), 0, -1), ["a", "b", "c"], "LRANGE");
  assert.equal(await r.lpop(k("l")), "a", "LPOP");
  assert.deepEqual(await r.rpop(k("l"), 5), ["c", "b"], "RPOP count");
  assert.equal(await r.exists(k("l")), 0, "the emptied list is deleted");
  assert.equal(await r.sadd(k("set"), "a", "b", "c"), 3, "SADD");
  assert.deepEqual((await r.smembers(k("set"))).sort(), ["a", "b", "c"], "SMEMBERS");
  assert.equal(await r.sismember(k("set"), "b"), 1, "SISMEMBER");
  assert.deepEqual(await r.smismember(k("set"), "a", "z"), [1, 0], "SMISMEMBER");
}

async function checkSortedSets(r) {
  if (!(await hasCommand(r, "zadd"))) {
    return "ZADD absent (COMMAND INFO zadd is nil): sorted sets not implemented yet";
  }
  assert.equal(await r.zadd(k("z"), 1, "a", 2.5, "b", 3, "c"), 3, "ZADD");
  assert.deepEqual(await r.zrange(k("z"), 0, -1, "WITHSCORES"), ["a", "1", "b", "2.5", "c", "3"], "ZRANGE WITHSCORES");
  assert.equal(await r.zincrby(k("z"), 2, "a"), "3", "ZINCRBY");
  assert.deepEqual(await r.zrevrange(k("z"), 0, 1), ["c", "a"], "ZREVRANGE (ties by member)");
  assert.equal(await r.zscore(k("z"), "b"), "2.5", "ZSCORE");
  return null;
}

async function checkPipeline(r) {
  const res = await r
    .pipeline()
    .set(k("p1"), "1")
    .incr(k("p1"))
    .get(k("p1"))
    .rpush(k("pl"), "x", "y")
    .lrange(k("pl"), 0, -1)
    .hset(k("ph"), { f: "v" })
    .hgetall(k("ph"))
    .exec();
  assert.deepEqual(
    res,
    [[null, "OK"], [null, 2], [null, "2"], [null, 2], [null, ["x", "y"]], [null, 1], [null, { f: "v" }]],
    "pipeline results",
  );
  const [[e0, v0], [e1, v1], [e2, v2]] = await r.pipeline().set(k("p2"), "str").lpush(k("p2"), "x").get(k("p2")).exec();
  assert.deepEqual([e0, v0], [null, "OK"], "pipeline SET");
  assert.ok(e1 instanceof Redis.ReplyError, `pipeline error is a ReplyError: ${e1}`);
  matches(e1.message, /^WRONGTYPE Operation against a key holding the wrong kind of value/, "pipeline error text");
  assert.equal(v1, undefined, "no value for the failed command");
  assert.deepEqual([e2, v2], [null, "str"], "the pipeline went on after the error");
  // A large pipeline: many replies in one read.
  const big = r.pipeline();
  for (let i = 0; i < 2000; i++) big.rpush(k("big"), i);
  const bigRes = await big.exec();
  assert.deepEqual(bigRes[1999], [null, 2000], "last RPUSH of 2000");
  await r.del(k("big"));
  // Auto-pipelining: concurrent commands from one client batched per tick.
  const auto = client({ enableAutoPipelining: true });
  await ready(auto, "the auto-pipelining client");
  const values = await Promise.all(Array.from({ length: 500 }, () => auto.incr(k("auto"))));
  assert.deepEqual(values, Array.from({ length: 500 }, (_, i) => i + 1), "500 auto-pipelined INCRs in order");
  assert.ok(auto.autoPipelineQueueSize === 0, "auto-pipeline queue drained");
  await auto.quit();
}

async function checkTransactions(r) {
  assert.deepEqual(await r.multi().set(k("t"), "1").incr(k("t")).get(k("t")).exec(), [
    [null, "OK"],
    [null, 2],
    [null, "2"],
  ], "MULTI/EXEC results");

  // WATCH with a retry loop; a second client changes the key between the
  // read and EXEC on the first attempt. EXEC of an aborted transaction
  // resolves to null.
  const other = client({ connectionName: "iocheck-other" });
  await ready(other, "the second client");
  const w = client({ connectionName: "iocheck-watcher" });
  await ready(w, "the watching client");
  await r.set(k("counter"), "10");
  let attempts = 0;
  let aborted = 0;
  for (;;) {
    assert.ok(attempts < 5, "WATCH retry loop did not converge");
    await w.watch(k("counter"));
    const value = Number(await w.get(k("counter")));
    attempts++;
    if (attempts === 1) await other.incr(k("counter")); // the concurrent modification
    const res = await w.multi().set(k("counter"), String(value + 100)).exec();
    if (res === null) {
      aborted++;
      continue;
    }
    assert.deepEqual(res, [[null, "OK"]], "EXEC of the retried transaction");
    break;
  }
  assert.deepEqual([attempts, aborted], [2, 1], "(attempts, aborted EXECs) of the WATCH retry loop");
  assert.equal(await r.get(k("counter")), "111", "value after the retried transaction (10 + 1 by other, + 100)");

  // UNWATCH: a watched key changed, then unwatched, does not abort.
  await w.watch(k("counter"));
  await other.incr(k("counter"));
  await w.unwatch();
  assert.deepEqual(await w.multi().incr(k("counter")).exec(), [[null, 113]], "EXEC after UNWATCH");

  // A runtime error inside EXEC: reported in place, the others ran.
  await r.set(k("tstr"), "x");
  const res = await r.multi().set(k("t2"), "a").lpush(k("tstr"), "b").set(k("t3"), "c").exec();
  assert.deepEqual(res[0], [null, "OK"], "EXEC first command");
  assert.ok(res[1][0] instanceof Redis.ReplyError && /^WRONGTYPE/.test(res[1][0].message), `EXEC error in place: ${res[1]}`);
  assert.deepEqual(res[2], [null, "OK"], "EXEC third command");
  assert.deepEqual(await r.mget(k("t2"), k("t3")), ["a", "c"], "commands around the failed one ran");

  // A queue-time error (wrong arity) aborts the whole transaction.
  const e = await rejects(
    r.multi().set(k("t4"), "a").call("SET", k("t5")).exec(),
    /^EXECABORT Transaction discarded because of previous errors/,
    "EXEC after a queue-time error",
  );
  assert.ok(
    Array.isArray(e.previousErrors) && /wrong number of arguments for 'set' command/.test(e.previousErrors[0].message),
    `EXECABORT previousErrors: ${e.previousErrors}`,
  );
  assert.equal(await r.exists(k("t4")), 0, "EXECABORT: nothing ran");
  await other.quit();
  await w.quit();
}

async function checkBlpop(r) {
  const blocker = client({ connectionName: "iocheck-blocker" });
  await ready(blocker, "the blocking client");
  const popped = blocker.blpop(k("queue"), k("queue2"), DEADLINE_MS / 1000);
  await poll(async () => {
    const list = parseClientList(await r.client("LIST"));
    return list.find((c) => c.name === "iocheck-blocker" && c.cmd === "blpop" && c.flags.includes("b"));
  }, "CLIENT LIST to show iocheck-blocker blocked in BLPOP (flags=b, cmd=blpop)");
  assert.equal(await r.rpush(k("queue2"), "job1"), 1, "RPUSH that wakes the blocked client");
  assert.deepEqual(await withTimeout(popped, "BLPOP to return"), [k("queue2"), "job1"], "BLPOP reply");
  assert.equal(await blocker.blpop(k("queue"), 0.01), null, "BLPOP timeout");
  await blocker.quit();
}

async function checkPubsub(r) {
  const sub = client({ connectionName: "iocheck-sub" });
  await ready(sub, "the subscriber");
  const messages = eventQueue(sub, "message");
  const pmessages = eventQueue(sub, "pmessage");
  assert.equal(await sub.subscribe(k("news"), k("alerts")), 2, "SUBSCRIBE resolves to the subscription count");
  assert.equal(await sub.psubscribe(k("sport.*")), 3, "PSUBSCRIBE count");
  await rejects(sub.get(k("x")), /Connection in subscriber mode, only subscriber commands may be used/, "GET in subscriber mode (client-side)");
  assert.deepEqual(await r.pubsub("NUMSUB", k("news")), [k("news"), 1], "PUBSUB NUMSUB");
  assert.equal(await r.publish(k("news"), "hello"), 1, "PUBLISH to one subscriber");
  assert.deepEqual(await messages.next("message on news"), [k("news"), "hello"], "message");
  assert.equal(await r.publish(k("sport.chess"), "mate"), 1, "PUBLISH to a pattern");
  assert.deepEqual(await pmessages.next("pmessage"), [k("sport.*"), k("sport.chess"), "mate"], "pmessage");
  assert.equal(await r.publish(k("alerts"), "a1"), 1, "PUBLISH");
  assert.equal(await r.publish(k("alerts"), "a2"), 1, "PUBLISH");
  assert.deepEqual(await messages.next("a1"), [k("alerts"), "a1"], "first message in order");
  assert.deepEqual(await messages.next("a2"), [k("alerts"), "a2"], "second message in order");
  assert.equal(await sub.unsubscribe(k("news")), 2, "UNSUBSCRIBE count");
  assert.equal(await r.publish(k("news"), "nobody"), 0, "PUBLISH after unsubscribing");
  // ioredis resolves an argument-less (P)UNSUBSCRIBE only when the count
  // reaches 0, so the pattern goes by name.
  assert.equal(await sub.punsubscribe(k("sport.*")), 1, "PUNSUBSCRIBE count");
  assert.equal(await sub.unsubscribe(), 0, "UNSUBSCRIBE all");
  assert.equal(await sub.get(k("x")), null, "GET after leaving subscriber mode");
  await sub.quit();
  assert.equal(messages.pending + pmessages.pending, 0, "no unexpected messages");
}

async function checkReconnect(r) {
  // A killed connection: ioredis reconnects on its own, runs the ready
  // check again and re-subscribes, as long-running subscribers rely on.
  const sub = client({ connectionName: "iocheck-resub", retryStrategy: () => 10, maxRetriesPerRequest: 3 });
  await ready(sub, "the subscriber");
  const id = await sub.client("ID");
  const messages = eventQueue(sub, "message");
  await sub.subscribe(k("resub"));
  const back = new Promise((resolve) => sub.once("ready", resolve));
  assert.equal(await r.client("KILL", "ID", String(id)), 1, "CLIENT KILL ID");
  await withTimeout(back, "the killed subscriber to reconnect and get ready");
  await poll(async () => (await r.pubsub("NUMSUB", k("resub")))[1] === 1, "the re-subscription");
  const resub = parseClientList(await r.client("LIST")).filter((c) => c.name === "iocheck-resub");
  assert.equal(resub.length, 1, "one iocheck-resub connection (name set again on reconnect)");
  assert.notEqual(resub[0].id, String(id), "a new connection");
  assert.equal(resub[0].sub, "1", "re-subscribed to one channel");
  assert.equal(await r.publish(k("resub"), "again"), 1, "PUBLISH after the reconnect");
  assert.deepEqual(await messages.next("message after the reconnect"), [k("resub"), "again"], "message after the reconnect");
  // A plain client's command after its connection was killed is retried.
  const plain = client({ connectionName: "iocheck-plain", retryStrategy: () => 10, maxRetriesPerRequest: 3 });
  await ready(plain, "the plain client");
  const plainBack = new Promise((resolve) => plain.once("ready", resolve));
  await r.client("KILL", "SKIPME", "yes", "ID", String(await plain.client("ID")));
  await withTimeout(plainBack, "the killed plain client to reconnect");
  assert.equal(await plain.set(k("after-kill"), "1"), "OK", "SET after the reconnect");
  sub.disconnect();
  plain.disconnect();
}

async function checkKeyspaceNotifications(r) {
  const [, old] = await r.config("GET", "notify-keyspace-events");
  assert.equal(await r.config("SET", "notify-keyspace-events", "KEA"), "OK", "CONFIG SET notify-keyspace-events KEA");
  const sub = client({ connectionName: "iocheck-events" });
  try {
    await ready(sub, "the event subscriber");
    const events = eventQueue(sub, "pmessage");
    await sub.psubscribe("__keyevent@0__:*");
    await r.set(k("ev"), "1");
    assert.deepEqual(await events.next("set event"), ["__keyevent@0__:*", "__keyevent@0__:set", k("ev")], "keyevent set");
    await r.lpush(k("evl"), "a");
    assert.deepEqual((await events.next("lpush event")).slice(1), ["__keyevent@0__:lpush", k("evl")], "keyevent lpush");
    await r.set(k("short"), "x", "PX", 20);
    assert.equal((await events.next("set of the short-lived key"))[1], "__keyevent@0__:set", "keyevent set");
    assert.equal((await events.next("expire of the short-lived key"))[1], "__keyevent@0__:expire", "SET PX also notifies expire");
    assert.deepEqual((await events.next("expired event of a key with a 20 ms TTL")).slice(1), ["__keyevent@0__:expired", k("short")], "keyevent expired");
    await r.del(k("ev"), k("evl"));
    const d1 = await events.next("del 1");
    const d2 = await events.next("del 2");
    assert.deepEqual([d1[1], d2[1]], ["__keyevent@0__:del", "__keyevent@0__:del"], "keyevent del for each key");
  } finally {
    await r.config("SET", "notify-keyspace-events", old);
    sub.disconnect();
  }
}

async function checkLua(r) {
  if (!(await hasCommand(r, "eval"))) {
    return "EVAL absent (COMMAND INFO eval is nil): defineCommand needs Lua scripts";
  }
  r.defineCommand("incrTwice", {
    numberOfKeys: 1,
    lua: "redis.call('INCRBY', KEYS[1], ARGV[1]); return redis.call('INCRBY', KEYS[1], ARGV[1])",
  });
  await r.script("FLUSH");
  assert.equal(await r.incrTwice(k("lua"), 5), 10, "defineCommand (EVALSHA, NOSCRIPT, EVAL)");
  assert.equal(await r.incrTwice(k("lua"), 5), 20, "defineCommand again (EVALSHA)");
  const [[err, v]] = await r.pipeline().incrTwice(k("lua"), 1).exec();
  assert.deepEqual([err, v], [null, 22], "defineCommand in a pipeline");
  return null;
}

async function checkErrors(r) {
  await r.set(k("str"), "x");
  const e = await rejects(r.lpush(k("str"), "a"), /^WRONGTYPE Operation against a key holding the wrong kind of value$/, "LPUSH on a string");
  assert.ok(e instanceof Redis.ReplyError, "a ReplyError");
  assert.deepEqual(e.command, { name: "lpush", args: [k("str"), "a"] }, "the error names its command");
  await rejects(r.incr(k("str")), /^ERR value is not an integer or out of range$/, "INCR of a non-integer");
  await rejects(r.call("NOSUCHCMD", "a"), /^ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' $/, "unknown command");
  await rejects(r.call("GET"), /^ERR wrong number of arguments for 'get' command$/, "wrong arity");
  assert.equal(await r.get(k("str")), "x", "GET after errors");
}

/** The error that ended a client's connection attempt (it must not get ready). */
async function connectionError(c, what) {
  await withTimeout(
    new Promise((resolve, reject) => {
      c.once("ready", () => reject(new Error(`${what}: the client became ready`)));
      c.once("end", resolve);
    }),
    `${what}: the connection to end`,
  );
  assert.ok(c.lastError, `${what}: the connection ended without an error`);
  return c.lastError;
}

async function checkAuth() {
  if (password === undefined) {
    const c = client({ lazyConnect: true });
    await c.connect();
    await rejects(c.auth("nope"), /^ERR AUTH <password> called without any password configured for the default user/, "AUTH without a configured password");
    await c.quit();
    return null;
  }
  // Without a password, the INFO ready check fails with NOAUTH and ioredis
  // reports it as a fatal error.
  const anon = client({ password: undefined });
  let e = await connectionError(anon, "connecting without a password");
  matches(e.message, /NOAUTH Authentication required\.$/, "connecting without a password");
  const bad = client({ password: "wrong-" + password });
  e = await connectionError(bad, "connecting with a wrong password");
  matches(e.message, /^WRONGPASS invalid username-password pair or user is disabled\.$/, "connecting with a wrong password");
  const named = client({ username: "default", connectionName: "iocheck-named" });
  await ready(named, "a client with username default");
  assert.equal(await named.ping(), "PONG", "PING after AUTH default <password>");
  await named.quit();
  return null;
}

const SECTIONS = [
  ["connect (INFO ready check, connectionName, db)", checkConnect],
  ["strings", checkStrings],
  ["hashes", checkHashes],
  ["lists and sets", checkListsAndSets],
  ["sorted sets", checkSortedSets],
  ["pipeline", checkPipeline],
  ["transactions (MULTI/EXEC, WATCH retry)", checkTransactions],
  ["BLPOP woken by another client", checkBlpop],
  ["pub/sub", checkPubsub],
  ["reconnect and re-subscribe after CLIENT KILL", checkReconnect],
  ["keyspace notifications", checkKeyspaceNotifications],
  ["Lua (defineCommand)", checkLua],
  ["errors", checkErrors],
  ["AUTH", checkAuth],
];

async function cleanup(r) {
  const keys = await r.keys(PREFIX + "*");
  if (keys.length) await r.del(...keys);
}

async function main() {
  const version = require("ioredis/package.json").version;
  console.log(`ioredis ${version} against ${host}:${port}${password ? " with a password" : ""}`);
  let r = client({ connectionName: "iocheck-main" });
  let failures = 0;
  try {
    await ready(r, "the main client");
    await cleanup(r);
  } catch (e) {
    console.log(`FAILED in connect: ${e.stack || e}`);
    return 1;
  }
  for (const [name, fn] of SECTIONS) {
    const start = Date.now();
    try {
      const skipped = await fn(r);
      if (skipped) console.log(`SKIP: ${name}: ${skipped}`);
      else console.log(`ok: ${name} (${Date.now() - start} ms)`);
    } catch (e) {
      failures++;
      console.log(`FAILED in ${name}: ${e.stack || e}`);
      r.disconnect();
      r = client({ connectionName: "iocheck-main" });
      await ready(r, "the main client (after a failure)").catch(() => {});
    }
  }
  await cleanup(r).catch(() => {});
  for (const c of clients) c.disconnect();
  if (failures) {
    console.log(`${failures} section(s) FAILED`);
    return 1;
  }
  console.log("all sections passed");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.log(`FAILED: ${e.stack || e}`);
    process.exit(1);
  },
);
