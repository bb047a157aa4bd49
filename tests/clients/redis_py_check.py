#!/usr/bin/env python3
"""redis-py against a Redis-compatible server, the way applications use it.

Usage: redis_py_check.py HOST PORT [PASSWORD]

Run by tests/clients.rs against redsim, and meant to pass unchanged against
a real redis-server 7.0: a check that fails against real Redis is a bug in
this script, not in the server. Each section prints `ok: <section>` or
`SKIP: <section>: <why>` (a feature the server does not have yet, seen
through COMMAND INFO); a failed section prints `FAILED in <section>: ...`
with the traceback, the other sections still run, and the exit status is 1.

Nothing here sleeps to synchronise: waits poll for a condition (CLIENT LIST
showing the blocked client, a pub/sub message arriving) under a generous
overall deadline, so a slow machine makes it slower, never wrong.
"""

import logging
import sys
import threading
import time
import traceback

import redis

# redis-py logs every RESP3 push frame at INFO; the checks read them anyway.
logging.getLogger("push_response").setLevel(logging.WARNING)

DEADLINE_S = 10.0  # overall bound on any single wait; never reached when healthy
PREFIX = "pycheck:"


class Check:
    """Connection settings shared by every client the script opens."""

    def __init__(self, host, port, password):
        self.host = host
        self.port = port
        self.password = password

    def client(self, **kw):
        kw.setdefault("decode_responses", True)
        kw.setdefault("socket_timeout", DEADLINE_S)
        kw.setdefault("socket_connect_timeout", DEADLINE_S)
        return redis.Redis(host=self.host, port=self.port, password=self.password, **kw)


def eq(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def ok(cond, what):
    if not cond:
        raise AssertionError(what)


def raises(exc_type, fn, what, text=None):
    """Calls fn, asserts it raises exc_type (whose text starts with `text`)."""
    try:
        result = fn()
    except exc_type as e:
        if text is not None and not str(e).startswith(text):
            raise AssertionError(f"{what}: error text {str(e)!r} does not start with {text!r}")
        return e
    except Exception as e:  # noqa: BLE001 - report the wrong kind precisely
        raise AssertionError(
            f"{what}: expected {exc_type.__name__}, got {type(e).__name__}: {e}"
        ) from e
    raise AssertionError(f"{what}: expected {exc_type.__name__}, got result {result!r}")


def poll(cond, what):
    """Polls cond() until true, failing after DEADLINE_S."""
    end = time.monotonic() + DEADLINE_S
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {DEADLINE_S}s waiting for {what}")
        time.sleep(0.005)


def has_command(r, name):
    # COMMAND INFO answers a nil entry for a command the server does not know.
    info = r.execute_command("COMMAND INFO", name)
    return bool(info) and info[0] is not None


def next_message(p, what, timeout=DEADLINE_S):
    """The next pub/sub message (subscribe confirmations included)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        m = p.get_message(timeout=max(0.0, end - time.monotonic()))
        if m is not None:
            return m
    raise AssertionError(f"no pub/sub message within {timeout}s: {what}")


def k(name):
    return PREFIX + name


# --------------------------------------------------------------------------


def check_connection(c, r):
    ok(r.ping() is True, "PING")
    eq(r.echo("hé"), "hé", "ECHO (UTF-8)")
    info = r.info()
    ok(isinstance(info, dict), f"INFO parsed into a dict, got {type(info)}")
    ok(str(info.get("redis_version", "")).startswith("7."), f"INFO redis_version: {info.get('redis_version')!r}")
    ok("connected_clients" in info and isinstance(info["connected_clients"], int), "INFO connected_clients is an int")
    server = r.info("server")
    ok("redis_mode" in server, "INFO server has redis_mode")
    eq(r.client_setname("pycheck-main"), True, "CLIENT SETNAME")
    eq(r.client_getname(), "pycheck-main", "CLIENT GETNAME")
    ok(isinstance(r.client_id(), int), "CLIENT ID is an int")
    # Another database through the connection pool's SELECT on connect.
    r1 = c.client(db=1)
    r1.set(k("db1"), "one")
    eq(r.get(k("db1")), None, "db 0 does not see db 1's key")
    eq(r1.get(k("db1")), "one", "db 1 sees its key")
    r1.delete(k("db1"))
    r1.close()
    cfg = r.config_get("maxmemory")
    eq(cfg, {"maxmemory": "0"}, "CONFIG GET maxmemory")
    everything = r.config_get("*")
    ok(len(everything) > 100 and everything.get("appendonly") == "no", f"CONFIG GET * ({len(everything)} parameters)")
    eq(r.config_set("hash-max-listpack-entries", 64), True, "CONFIG SET of a tuning parameter")
    eq(r.config_get("hash-max-ziplist-entries"), {"hash-max-ziplist-entries": "64"}, "CONFIG GET through the alias")
    r.config_set("hash-max-listpack-entries", 128)
    me = r.client_info()
    eq((me["name"], me["db"], me["resp"]), ("pycheck-main", 0, "2"), "CLIENT INFO (name, db, resp)")


def check_keyspace(c, r):
    r.set(k("ks1"), "1", ex=1000)
    r.rpush(k("ks2"), "a")
    r.hset(k("ks3"), "f", "v")
    ok(r.dbsize() >= 3, "DBSIZE")
    db0 = r.info("keyspace").get("db0")
    ok(isinstance(db0, dict) and db0["keys"] >= 3 and db0["expires"] >= 1, f"INFO keyspace db0 parsed: {db0!r}")
    secs, micros = r.time()
    ok(abs(secs - time.time()) < 60 and 0 <= micros < 1_000_000, f"TIME: {(secs, micros)}")
    ok(r.expiretime(k("ks1")) >= secs + 998, "EXPIRETIME")
    eq(r.expiretime(k("ks2")), -1, "EXPIRETIME of a persistent key")
    eq(r.object("encoding", k("ks3")), "listpack", "OBJECT ENCODING of a small hash")
    eq(r.object("encoding", k("ks2")), "quicklist", "OBJECT ENCODING of a small list (7.0: quicklist)")
    eq(r.set(k("int"), 12345), True, "SET an integer")
    eq(r.object("encoding", k("int")), "int", "OBJECT ENCODING of an integer string")
    cursor, found = 0, set()
    while True:
        cursor, batch = r.scan(cursor=cursor, match=PREFIX + "*", count=100, _type="hash")
        found.update(batch)
        if cursor == 0:
            break
    eq(found, {k("ks3")}, "SCAN TYPE hash")
    eq(r.copy(k("ks2"), k("ks2copy")), True, "COPY")
    eq(r.lrange(k("ks2copy"), 0, -1), ["a"], "the copy")
    eq(r.touch(k("ks1"), k("ks2"), k("missing")), 2, "TOUCH")
    eq(r.unlink(k("ks1"), k("ks2"), k("ks2copy"), k("ks3"), k("int")), 5, "UNLINK")
    eq(r.exists(k("ks1"), k("ks2")), 0, "EXISTS after UNLINK")
    r.rpush(k("mp"), "a", "b", "c")
    eq(r.lmpop(2, k("nolist"), k("mp"), direction="LEFT", count=2), [k("mp"), ["a", "b"]], "LMPOP")
    r.sadd(k("si1"), "a", "b", "c")
    r.sadd(k("si2"), "b", "c", "d")
    eq(r.sintercard(2, [k("si1"), k("si2")]), 2, "SINTERCARD")
    r.delete(k("mp"), k("si1"), k("si2"))
    # Absolute deadlines and moves between databases.
    eq(r.set(k("at"), "v", exat=secs + 500), True, "SET EXAT")
    ok(495 <= r.ttl(k("at")) <= 500, "TTL after SET EXAT now+500")
    eq(r.set(k("at"), "v", pxat=(secs + 400) * 1000), True, "SET PXAT")
    ok(395 <= r.ttl(k("at")) <= 400, "TTL after SET PXAT now+400 s")
    eq(r.expireat(k("at"), secs - 10), True, "EXPIREAT in the past")
    eq(r.exists(k("at")), 0, "EXPIREAT in the past deletes")
    r.set(k("mv"), "v")
    eq(r.move(k("mv"), 2), True, "MOVE to db 2")
    r2 = c.client(db=2)
    eq(r2.get(k("mv")), "v", "the moved key in db 2")
    eq(r.swapdb(0, 2), True, "SWAPDB 0 2")
    eq(r.get(k("mv")), "v", "db 0 now holds db 2's key")
    eq(r2.get(k("mv")), None, "and db 2 holds db 0's keys")
    r.swapdb(0, 2)
    eq(r2.delete(k("mv")), 1, "back in db 2 after swapping back")
    r2.close()


def check_strings(c, r):
    eq(r.set(k("s"), "v", ex=100), True, "SET EX")
    ttl = r.ttl(k("s"))
    ok(98 <= ttl <= 100, f"TTL after SET EX 100: {ttl}")
    pttl = r.pttl(k("s"))
    ok(98_000 <= pttl <= 100_000, f"PTTL after SET EX 100: {pttl}")
    eq(r.get(k("s")), "v", "GET")
    eq(r.set(k("s"), "w", nx=True), None, "SET NX on an existing key")
    eq(r.set(k("s"), "w", xx=True, get=True), "v", "SET XX GET")
    eq(r.ttl(k("s")), -1, "SET without KEEPTTL clears the TTL")
    eq(r.set(k("s"), "x", px=50_000, keepttl=False), True, "SET PX")
    eq(r.set(k("s"), "y", keepttl=True), True, "SET KEEPTTL")
    ok(r.pttl(k("s")) > 0, "KEEPTTL kept the TTL")
    eq(r.persist(k("s")), True, "PERSIST")
    eq(r.ttl(k("s")), -1, "TTL of a persistent key")
    eq(r.ttl(k("missing")), -2, "TTL of a missing key")
    eq(r.expire(k("s"), 30), True, "EXPIRE")
    eq(r.expire(k("s"), 10, gt=True), False, "EXPIRE GT with a smaller TTL")
    eq(r.setex(k("s2"), 60, "z"), True, "SETEX")
    eq(r.getex(k("s2"), persist=True), "z", "GETEX PERSIST")
    eq(r.ttl(k("s2")), -1, "GETEX PERSIST removed the TTL")
    eq(r.getdel(k("s2")), "z", "GETDEL")
    eq(r.exists(k("s2")), 0, "GETDEL deleted")
    eq(r.incr(k("n")), 1, "INCR")
    eq(r.incrby(k("n"), 41), 42, "INCRBY")
    eq(r.decr(k("n")), 41, "DECR")
    eq(r.incrbyfloat(k("f"), 1.5), 1.5, "INCRBYFLOAT")
    eq(r.mset({k("a"): "1", k("b"): "2"}), True, "MSET")
    eq(r.mget(k("a"), k("b"), k("missing")), ["1", "2", None], "MGET")
    eq(r.msetnx({k("a"): "x", k("c"): "3"}), False, "MSETNX with an existing key")
    eq(r.append(k("a"), "23"), 3, "APPEND")
    eq(r.strlen(k("a")), 3, "STRLEN")
    eq(r.getrange(k("a"), 1, -1), "23", "GETRANGE")
    # Binary values round-trip through a bytes client.
    rb = c.client(decode_responses=False)
    blob = bytes(range(256)) + b"\r\n\x00"
    rb.set(k("bin"), blob)
    eq(rb.get(k("bin")), blob, "binary value round-trip")
    rb.close()
    eq(sorted(r.scan_iter(match=k("[ab]"), count=2)), [k("a"), k("b")], "SCAN MATCH via scan_iter")
    eq(r.type(k("a")), "string", "TYPE")
    eq(r.rename(k("a"), k("a2")), True, "RENAME")
    eq(r.delete(k("a2"), k("b"), k("c"), k("missing")), 2, "DEL counts deleted keys")


def check_hashes(c, r):
    eq(r.hset(k("h"), mapping={"name": "ada", "born": "1815", "lang": "none"}), 3, "HSET mapping")
    eq(r.hset(k("h"), "lang", "analytical"), 0, "HSET of an existing field")
    eq(r.hgetall(k("h")), {"name": "ada", "born": "1815", "lang": "analytical"}, "HGETALL")
    eq(r.hget(k("h"), "name"), "ada", "HGET")
    eq(r.hmget(k("h"), ["name", "nope"]), ["ada", None], "HMGET")
    eq(r.hincrby(k("h"), "born", 1), 1816, "HINCRBY")
    eq(r.hincrbyfloat(k("h"), "score", 0.25), 0.25, "HINCRBYFLOAT")
    eq(r.hexists(k("h"), "name"), True, "HEXISTS")
    eq(r.hlen(k("h")), 4, "HLEN")
    eq(sorted(r.hkeys(k("h"))), ["born", "lang", "name", "score"], "HKEYS")
    eq(r.hdel(k("h"), "score", "nope"), 1, "HDEL")
    eq(r.hsetnx(k("h"), "name", "bob"), False, "HSETNX on an existing field")
    eq(dict(r.hscan_iter(k("h"), match="n*")), {"name": "ada"}, "HSCAN MATCH via hscan_iter")
    eq(r.hgetall(k("nohash")), {}, "HGETALL of a missing key")
    eq(r.type(k("h")), "hash", "TYPE hash")


def check_lists(c, r):
    eq(r.rpush(k("l"), "a", "b", "c"), 3, "RPUSH")
    eq(r.lpush(k("l"), "z"), 4, "LPUSH")
    eq(r.lrange(k("l"), 0, -1), ["z", "a", "b", "c"], "LRANGE")
    eq(r.lpop(k("l")), "z", "LPOP")
    eq(r.rpop(k("l"), 2), ["c", "b"], "RPOP count")
    eq(r.llen(k("l")), 1, "LLEN")
    eq(r.linsert(k("l"), "after", "a", "b"), 2, "LINSERT")
    eq(r.lindex(k("l"), -1), "b", "LINDEX")
    eq(r.lset(k("l"), 0, "A"), True, "LSET")
    eq(r.rpush(k("l"), "b", "b"), 4, "RPUSH dups")
    eq(r.lrem(k("l"), 0, "b"), 3, "LREM")
    eq(r.lpos(k("l"), "A"), 0, "LPOS")
    eq(r.lmove(k("l"), k("l2"), "LEFT", "RIGHT"), "A", "LMOVE")
    eq(r.exists(k("l")), 0, "the emptied list is deleted")
    eq(r.ltrim(k("l2"), 0, 0), True, "LTRIM")
    eq(r.rpoplpush(k("l2"), k("l2")), "A", "RPOPLPUSH onto itself")
    eq(r.lpop(k("nolist")), None, "LPOP of a missing key")


def check_sets(c, r):
    eq(r.sadd(k("set"), "a", "b", "c"), 3, "SADD")
    eq(r.sadd(k("set"), "a"), 0, "SADD existing")
    eq(r.smembers(k("set")), {"a", "b", "c"}, "SMEMBERS")
    eq(r.sismember(k("set"), "b"), True, "SISMEMBER")
    eq(r.smismember(k("set"), ["a", "x"]), [True, False], "SMISMEMBER")
    eq(r.scard(k("set")), 3, "SCARD")
    r.sadd(k("set2"), "b", "c", "d")
    eq(r.sinter(k("set"), k("set2")), {"b", "c"}, "SINTER")
    eq(r.sunion(k("set"), k("set2")), {"a", "b", "c", "d"}, "SUNION")
    eq(r.sdiff(k("set"), k("set2")), {"a"}, "SDIFF")
    eq(r.sinterstore(k("set3"), [k("set"), k("set2")]), 2, "SINTERSTORE")
    eq(r.srem(k("set"), "a", "zz"), 1, "SREM")
    ok(r.srandmember(k("set")) in {"b", "c"}, "SRANDMEMBER")
    popped = r.spop(k("set3"))
    ok(popped in {"b", "c"}, f"SPOP: {popped!r}")
    eq(r.smove(k("set2"), k("set"), "d"), True, "SMOVE")
    eq(set(r.sscan_iter(k("set"))), {"b", "c", "d"}, "SSCAN via sscan_iter")
    eq(r.smembers(k("noset")), set(), "SMEMBERS of a missing key")


def check_sorted_sets(c, r):
    if not has_command(r, "zadd"):
        return "ZADD absent (COMMAND INFO zadd is nil): sorted sets not implemented yet"
    eq(r.zadd(k("z"), {"a": 1, "b": 2.5, "c": 3}), 3, "ZADD mapping")
    eq(r.zadd(k("z"), {"a": 5}, nx=True), 0, "ZADD NX")
    eq(r.zrange(k("z"), 0, -1, withscores=True), [("a", 1.0), ("b", 2.5), ("c", 3.0)], "ZRANGE WITHSCORES")
    eq(r.zincrby(k("z"), 2, "a"), 3.0, "ZINCRBY")
    eq(r.zscore(k("z"), "b"), 2.5, "ZSCORE")
    eq(r.zrank(k("z"), "c"), 2, "ZRANK")
    eq(r.zrevrange(k("z"), 0, 0), ["c"], "ZREVRANGE (ties by member: a=3 < c=3)")
    eq(r.zrangebyscore(k("z"), 2, "+inf"), ["b", "a", "c"], "ZRANGEBYSCORE")
    eq(r.zcard(k("z")), 3, "ZCARD")
    eq(r.zcount(k("z"), "(2.5", 3), 2, "ZCOUNT")
    eq(r.zrem(k("z"), "b"), 1, "ZREM")
    eq(r.zpopmin(k("z")), [("a", 3.0)], "ZPOPMIN")
    eq(r.zrange(k("z"), 0, -1, withscores=True), [("c", 3.0)], "what is left")


def check_pipeline(c, r):
    pipe = r.pipeline(transaction=False)
    pipe.set(k("p1"), "1").incr(k("p1")).get(k("p1")).rpush(k("pl"), "x", "y").lrange(k("pl"), 0, -1)
    pipe.hset(k("ph"), mapping={"f": "v"}).hgetall(k("ph")).delete(k("pl"))
    eq(pipe.execute(), [True, 2, "2", 2, ["x", "y"], 1, {"f": "v"}, 1], "pipeline results")
    # An error in a pipeline is reported in place when raise_on_error=False.
    pipe = r.pipeline(transaction=False)
    pipe.set(k("p2"), "str").lpush(k("p2"), "x").get(k("p2"))
    res = pipe.execute(raise_on_error=False)
    eq(res[0], True, "pipeline SET")
    ok(isinstance(res[1], redis.ResponseError) and str(res[1]).startswith("WRONGTYPE"), f"pipeline error in place: {res[1]!r}")
    eq(res[2], "str", "the pipeline went on after the error")
    # A large pipeline: many replies in one read.
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.rpush(k("big"), i)
    res = pipe.execute()
    eq(res[-1], 2000, "last RPUSH of 2000")
    eq(r.llen(k("big")), 2000, "LLEN after 2000 pipelined RPUSH")
    r.delete(k("big"))


def check_transactions(c, r):
    # MULTI/EXEC through a transactional pipeline.
    with r.pipeline() as pipe:
        pipe.set(k("t"), 1).incr(k("t")).get(k("t"))
        eq(pipe.execute(), [True, 2, "2"], "MULTI/EXEC results")

    # WATCH with a retry loop; a second client changes the key between
    # the read and EXEC on the first attempt.
    other = c.client()
    other.client_setname("pycheck-other")
    r.set(k("counter"), 10)
    attempts = 0
    conflicts = 0
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(k("counter"))
                value = int(pipe.get(k("counter")))
                attempts += 1
                if attempts == 1:
                    other.incr(k("counter"))  # the concurrent modification
                pipe.multi()
                pipe.set(k("counter"), value + 100)
                pipe.execute()
                break
            except redis.WatchError:
                conflicts += 1
                if attempts > 5:
                    raise
    eq((attempts, conflicts), (2, 1), "(attempts, WatchError count) of the WATCH retry loop")
    eq(r.get(k("counter")), "111", "value after the retried transaction (10 + 1 by other, + 100)")

    # The same through Redis.transaction(), redis-py's helper for the loop.
    calls = []

    def bump(pipe):
        v = int(pipe.get(k("counter")))
        calls.append(v)
        if len(calls) == 1:
            other.set(k("counter"), 0)
        pipe.multi()
        pipe.set(k("counter"), v + 1)

    r.transaction(bump, k("counter"))
    eq(calls, [111, 0], "values read by each transaction() attempt")
    eq(r.get(k("counter")), "1", "value after transaction()")

    # UNWATCH: a watched key changed, then unwatched, does not abort.
    with r.pipeline() as pipe:
        pipe.watch(k("counter"))
        other.incr(k("counter"))
        pipe.unwatch()
        pipe.multi()
        pipe.incr(k("counter"))
        eq(pipe.execute(), [3], "EXEC after UNWATCH")

    # A runtime error inside EXEC: other commands still run, redis-py raises.
    r.set(k("tstr"), "x")
    with r.pipeline() as pipe:
        pipe.set(k("t2"), "a").lpush(k("tstr"), "b").set(k("t3"), "c")
        e = raises(redis.ResponseError, pipe.execute, "EXEC with a WRONGTYPE command")
        ok("WRONGTYPE" in str(e), f"EXEC error names WRONGTYPE: {e}")
    eq(r.mget(k("t2"), k("t3")), ["a", "c"], "commands around the failed one ran")

    # A queue-time error (wrong arity) aborts the whole transaction.
    with r.pipeline() as pipe:
        pipe.set(k("t4"), "a")
        pipe.execute_command("SET", k("t5"))  # wrong number of arguments
        e = raises(redis.ResponseError, pipe.execute, "EXEC after a queue-time error")
        ok("wrong number of arguments" in str(e), f"queue-time error text: {e}")
    eq(r.exists(k("t4")), 0, "EXECABORT: nothing ran")
    other.close()


def check_blpop(c, r):
    blocker = c.client()
    blocker.client_setname("pycheck-blocker")
    result = {}

    def wait():
        try:
            result["value"] = blocker.blpop([k("queue"), k("queue2")], timeout=DEADLINE_S)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            result["error"] = e

    t = threading.Thread(target=wait, daemon=True)
    t.start()

    def blocked():
        for cl in r.client_list():
            if cl.get("name") == "pycheck-blocker" and cl.get("cmd") == "blpop" and "b" in cl.get("flags", ""):
                return cl
        return None

    cl = poll(blocked, "CLIENT LIST to show pycheck-blocker blocked in BLPOP (flags=b, cmd=blpop)")
    eq(r.rpush(k("queue2"), "job1"), 1, "RPUSH that wakes the blocked client")
    t.join(DEADLINE_S)
    ok(not t.is_alive(), "BLPOP returned after the RPUSH")
    if "error" in result:
        raise AssertionError(f"BLPOP raised {result['error']!r}")
    eq(tuple(result["value"]), (k("queue2"), "job1"), "BLPOP reply")
    eq(r.exists(k("queue2")), 0, "the popped list is gone")
    # A timeout reply is None.
    eq(blocker.blpop(k("queue"), timeout=0.01), None, "BLPOP timeout")
    blocker.close()


def check_pubsub(c, r):
    p = r.pubsub()
    p.subscribe(k("news"))
    eq(next_message(p, "subscribe confirmation"), {"type": "subscribe", "pattern": None, "channel": k("news"), "data": 1}, "subscribe confirmation")
    p.psubscribe(k("sport.*"))
    eq(next_message(p, "psubscribe confirmation"), {"type": "psubscribe", "pattern": None, "channel": k("sport.*"), "data": 2}, "psubscribe confirmation")
    publisher = c.client()
    eq(publisher.pubsub_numsub(k("news")), [(k("news"), 1)], "PUBSUB NUMSUB")
    eq(publisher.pubsub_channels(PREFIX + "n*"), [k("news")], "PUBSUB CHANNELS pattern")
    eq(publisher.pubsub_numpat(), 1, "PUBSUB NUMPAT")
    eq(publisher.publish(k("news"), "hello"), 1, "PUBLISH to one subscriber")
    eq(next_message(p, "message"), {"type": "message", "pattern": None, "channel": k("news"), "data": "hello"}, "message")
    eq(publisher.publish(k("sport.chess"), "mate"), 1, "PUBLISH to a pattern")
    eq(next_message(p, "pmessage"), {"type": "pmessage", "pattern": k("sport.*"), "channel": k("sport.chess"), "data": "mate"}, "pmessage")
    eq(p.get_message(timeout=0.01), None, "no further message")
    # A handler thread, as applications run it.
    got = []
    worker = r.pubsub()
    worker.subscribe(**{k("jobs"): lambda m: got.append(m["data"])})
    thread = worker.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        poll(lambda: publisher.pubsub_numsub(k("jobs"))[0][1] == 1, "the handler's subscription")
        publisher.publish(k("jobs"), "j1")
        publisher.publish(k("jobs"), "j2")
        poll(lambda: len(got) == 2, "both messages at the handler")
        eq(got, ["j1", "j2"], "messages in publish order")
    finally:
        thread.stop()
        thread.join(DEADLINE_S)
        worker.close()
    p.unsubscribe()
    p.punsubscribe()
    p.close()
    poll(lambda: publisher.pubsub_numpat() == 0, "the pattern subscription to go away")
    eq(publisher.publish(k("news"), "nobody"), 0, "PUBLISH after unsubscribing")
    publisher.close()


def check_keyspace_notifications(c, r):
    old = r.config_get("notify-keyspace-events")["notify-keyspace-events"]
    eq(r.config_set("notify-keyspace-events", "KEA"), True, "CONFIG SET notify-keyspace-events KEA")
    got = r.config_get("notify-keyspace-events")["notify-keyspace-events"]
    eq(set(got), set("AKE"), "CONFIG GET notify-keyspace-events (flags in any order)")
    p = r.pubsub()
    try:
        p.psubscribe("__keyevent@0__:*")
        eq(next_message(p, "psubscribe confirmation")["type"], "psubscribe", "psubscribe confirmation")
        writer = c.client()
        writer.set(k("ev"), "1")
        eq(next_message(p, "set event"), {"type": "pmessage", "pattern": "__keyevent@0__:*", "channel": "__keyevent@0__:set", "data": k("ev")}, "keyevent set")
        writer.expire(k("ev"), 100)
        eq(next_message(p, "expire event")["channel"], "__keyevent@0__:expire", "keyevent expire")
        writer.rpush(k("evl"), "a")
        eq(next_message(p, "rpush event")["channel"], "__keyevent@0__:rpush", "keyevent rpush")
        writer.delete(k("ev"), k("evl"))
        m1, m2 = next_message(p, "del event 1"), next_message(p, "del event 2")
        eq((m1["channel"], m2["channel"]), ("__keyevent@0__:del",) * 2, "keyevent del for each key")
        eq({m1["data"], m2["data"]}, {k("ev"), k("evl")}, "keys of the del events")
        # An expiry observed by the server (active expiry), not by a read.
        writer.set(k("short"), "x", px=20)
        eq(next_message(p, "set of the short-lived key")["channel"], "__keyevent@0__:set", "keyevent set")
        eq(next_message(p, "expire of the short-lived key")["channel"], "__keyevent@0__:expire", "SET PX also notifies expire")
        m = next_message(p, "expired event of a key with a 20 ms TTL")
        eq((m["channel"], m["data"]), ("__keyevent@0__:expired", k("short")), "keyevent expired")
        # Keyspace channel for the same events.
        p.psubscribe(f"__keyspace@0__:{PREFIX}*")
        eq(next_message(p, "psubscribe confirmation")["type"], "psubscribe", "second psubscribe")
        writer.hset(k("evh"), "f", "v")
        seen = {(m["channel"], m["data"]) for m in (next_message(p, "hset 1"), next_message(p, "hset 2"))}
        eq(seen, {("__keyevent@0__:hset", k("evh")), (f"__keyspace@0__:{k('evh')}", "hset")}, "keyspace and keyevent hset")
        writer.close()
    finally:
        p.close()
        r.config_set("notify-keyspace-events", old)
        r.delete(k("evh"))


def check_lock(c, r):
    if not has_command(r, "eval"):
        return "EVAL absent (COMMAND INFO eval is nil): redis-py's Lock needs Lua scripts"
    lock = r.lock(k("lock"), timeout=5, blocking=False)
    eq(lock.acquire(), True, "Lock.acquire")
    eq(lock.owned(), True, "Lock.owned")
    rival = c.client().lock(k("lock"), timeout=5, blocking=False)
    eq(rival.acquire(), False, "a second Lock on the same name")
    eq(lock.extend(10), True, "Lock.extend")
    ok(r.pttl(k("lock")) > 10_000, "extend added to the TTL")
    eq(lock.reacquire(), True, "Lock.reacquire")
    lock.release()
    eq(r.exists(k("lock")), 0, "release deleted the key")
    # The token check is in Lua: a lock whose key now holds another token
    # is not released.
    eq(lock.acquire(), True, "Lock.acquire again")
    r.set(k("lock"), "someone-else")
    raises(redis.exceptions.LockNotOwnedError, lock.release, "releasing a lock now held by another token")
    eq(r.get(k("lock")), "someone-else", "the other holder's key is untouched")
    r.delete(k("lock"))
    with r.lock(k("lock"), timeout=5, blocking_timeout=DEADLINE_S):
        eq(rival.acquire(), False, "rival while held by a context manager")
    eq(rival.acquire(), True, "rival after the context manager released")
    rival.release()
    # Scripts directly: EVALSHA via register_script falls back on NOSCRIPT.
    r.script_flush()
    script = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])")
    eq(script(keys=[k("lua")], args=[5]), 5, "registered script (NOSCRIPT then load)")
    eq(script(keys=[k("lua")], args=[5]), 10, "registered script (EVALSHA)")


def check_resp3(c, r):
    if int(redis.__version__.split(".")[0]) < 5:
        return f"redis-py {redis.__version__} has no protocol=3"
    r3 = c.client(protocol=3)
    hello = r3.execute_command("HELLO", "3")
    eq(hello.get("proto"), 3, "HELLO 3 proto")
    eq(hello.get("server"), "redis", "HELLO server")
    r3.hset(k("h3"), mapping={"a": "1", "b": "2"})
    eq(r3.hgetall(k("h3")), {"a": "1", "b": "2"}, "RESP3 HGETALL (a map)")
    r3.sadd(k("s3"), "x", "y")
    eq(r3.smembers(k("s3")), {"x", "y"}, "RESP3 SMEMBERS (a set)")
    eq(r3.incrbyfloat(k("f3"), 0.5), 0.5, "RESP3 INCRBYFLOAT")
    eq(r3.get(k("missing")), None, "RESP3 null")
    eq(r3.config_get("maxmemory"), {"maxmemory": "0"}, "RESP3 CONFIG GET (a map)")
    with r3.pipeline() as pipe:
        pipe.set(k("p3"), "v").get(k("p3")).hgetall(k("h3"))
        eq(pipe.execute(), [True, "v", {"a": "1", "b": "2"}], "RESP3 MULTI/EXEC")
    raises(redis.ResponseError, lambda: r3.lpush(k("p3"), "x"), "RESP3 WRONGTYPE", "WRONGTYPE")
    # Verbatim strings (INFO, CLIENT INFO) and doubles.
    info = r3.info()
    ok(isinstance(info, dict) and str(info.get("redis_version", "")).startswith("7."), "RESP3 INFO parsed")
    me = r3.client_info()
    eq(me.get("resp"), "3", "RESP3 CLIENT INFO resp=3")
    ok(any(c.get("resp") == "3" for c in r3.client_list()), "RESP3 CLIENT LIST")
    eq(r3.hincrbyfloat(k("h3"), "a", 0.5), 1.5, "RESP3 HINCRBYFLOAT")
    eq(tuple(r3.time()) > (0, 0), True, "RESP3 TIME")
    # A transaction aborted by WATCH: EXEC answers a RESP3 null.
    with r3.pipeline() as pipe:
        pipe.watch(k("p3"))
        r.set(k("p3"), "changed")
        pipe.multi()
        pipe.set(k("p3"), "mine")
        raises(redis.WatchError, pipe.execute, "RESP3 EXEC after a watched key changed")
    eq(r3.get(k("p3")), "changed", "RESP3: the aborted transaction did not run")
    # BLPOP over RESP3 (its reply is an array; its timeout a null).
    r3.rpush(k("q3"), "x")
    eq(list(r3.blpop(k("q3"), timeout=1)), [k("q3"), "x"], "RESP3 BLPOP")
    eq(r3.blpop(k("q3"), timeout=0.01), None, "RESP3 BLPOP timeout")
    if has_command(r3, "zadd"):
        r3.zadd(k("z3"), {"a": 1.5})
        eq(r3.zrange(k("z3"), 0, -1, withscores=True), [["a", 1.5]], "RESP3 ZRANGE WITHSCORES")
        eq(r3.zscore(k("z3"), "a"), 1.5, "RESP3 ZSCORE (a double)")
    # Pub/sub over RESP3: push frames, and ordinary commands on the same connection.
    p = r3.pubsub()
    p.subscribe(k("c3"))
    eq(next_message(p, "RESP3 subscribe confirmation")["type"], "subscribe", "RESP3 subscribe confirmation")
    eq(r.publish(k("c3"), "push"), 1, "PUBLISH to a RESP3 subscriber")
    eq(next_message(p, "RESP3 message"), {"type": "message", "pattern": None, "channel": k("c3"), "data": "push"}, "RESP3 message")
    p.close()
    r3.close()


def check_errors(c, r):
    r.set(k("str"), "x")
    raises(redis.ResponseError, lambda: r.lpush(k("str"), "a"), "LPUSH on a string",
           "WRONGTYPE Operation against a key holding the wrong kind of value")
    raises(redis.ResponseError, lambda: r.hgetall(k("str")), "HGETALL on a string", "WRONGTYPE")
    raises(redis.ResponseError, lambda: r.incr(k("str")), "INCR of a non-integer",
           "value is not an integer or out of range")
    raises(redis.ResponseError, lambda: r.execute_command("NOSUCHCMD", "a"), "unknown command",
           "unknown command 'NOSUCHCMD'")
    raises(redis.ResponseError, lambda: r.execute_command("GET"), "wrong arity",
           "wrong number of arguments for 'get' command")
    raises(redis.exceptions.DataError, lambda: r.set(k("x"), None), "a None value is refused by the client")
    # The connection stays usable after errors.
    eq(r.get(k("str")), "x", "GET after errors")


def check_auth(c, r):
    if c.password is None:
        # AUTH against a server without a password is an AuthenticationError
        # in redis-py only if the error text matches Redis's to the byte.
        raises(redis.AuthenticationError, lambda: r.execute_command("AUTH", "nope"),
               "AUTH without a configured password",
               "AUTH <password> called without any password configured for the default user")
        return None
    anon = redis.Redis(host=c.host, port=c.port, decode_responses=True, socket_timeout=DEADLINE_S)
    raises(redis.AuthenticationError, anon.ping, "a command before AUTH", "Authentication required")
    bad = redis.Redis(host=c.host, port=c.port, password="wrong-" + c.password, decode_responses=True, socket_timeout=DEADLINE_S)
    raises(redis.AuthenticationError, bad.ping, "AUTH with a wrong password",
           "invalid username-password pair or user is disabled")
    named = redis.Redis(host=c.host, port=c.port, username="default", password=c.password, decode_responses=True, socket_timeout=DEADLINE_S)
    eq(named.ping(), True, "AUTH default <password> (username form)")
    raises(redis.AuthenticationError, lambda: anon.execute_command("HELLO", "3", "AUTH", "default", "wrong"),
           "HELLO AUTH with a wrong password")
    # A client created without a password that authenticates later, with
    # Redis.auth(). On connect redis-py 5 sends CLIENT SETINFO LIB-NAME and
    # LIB-VER and ignores a ResponseError; Redis 7.0 has no SETINFO and
    # answers "ERR unknown subcommand" (its unknown-command check comes
    # before the auth check), so the connection opens and AUTH follows.
    late = redis.Redis(host=c.host, port=c.port, decode_responses=True, socket_timeout=DEADLINE_S)
    try:
        eq(late.auth(c.password), True, "Redis.auth(<password>) on a client created without one")
    except redis.AuthenticationError as e:
        raise AssertionError(
            "Redis.auth(<password>) on a client created without one failed while "
            f"opening the connection (redis-py sends CLIENT SETINFO first): {e}"
        ) from e
    eq(late.ping(), True, "PING after Redis.auth()")
    for x in (anon, bad, named, late):
        x.close()
    return None


SECTIONS = [
    ("connection", check_connection),
    ("keyspace and server", check_keyspace),
    ("strings", check_strings),
    ("hashes", check_hashes),
    ("lists", check_lists),
    ("sets", check_sets),
    ("sorted sets", check_sorted_sets),
    ("pipeline", check_pipeline),
    ("transactions (MULTI/EXEC, WATCH retry)", check_transactions),
    ("BLPOP woken by another client", check_blpop),
    ("pub/sub", check_pubsub),
    ("keyspace notifications", check_keyspace_notifications),
    ("Lock (Lua)", check_lock),
    ("RESP3", check_resp3),
    ("errors", check_errors),
    ("AUTH", check_auth),
]


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    c = Check(argv[1], int(argv[2]), argv[3] if len(argv) == 4 else None)
    print(f"redis-py {redis.__version__} against {c.host}:{c.port}" + (" with a password" if c.password else ""))
    failures = 0
    try:
        r = c.client()
        keys = list(r.scan_iter(match=PREFIX + "*"))
        if keys:
            r.delete(*keys)
    except Exception as e:  # noqa: BLE001
        print(f"FAILED in connect: {type(e).__name__}: {e}")
        traceback.print_exc(file=sys.stdout)
        return 1
    for name, fn in SECTIONS:
        start = time.monotonic()
        try:
            skipped = fn(c, r)
        except Exception as e:  # noqa: BLE001 - every failure is reported, then the rest runs
            failures += 1
            print(f"FAILED in {name}: {type(e).__name__}: {e}")
            traceback.print_exc(file=sys.stdout)
            # A failed section may leave the shared connection mid-reply.
            r.close()
            r = c.client()
            continue
        took = (time.monotonic() - start) * 1000
        if skipped:
            print(f"SKIP: {name}: {skipped}")
        else:
            print(f"ok: {name} ({took:.0f} ms)")
    keys = list(r.scan_iter(match=PREFIX + "*"))
    if keys:
        r.delete(*keys)
    r.close()
    if failures:
        print(f"{failures} section(s) FAILED")
        return 1
    print("all sections passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
