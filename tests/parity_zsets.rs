//! Parity with real Redis 7.0: the sorted-set commands (blocking ones
//! aside). Every reply is compared byte for byte with a real
//! `redis-server`; replies whose order Redis leaves to chance (random
//! members, hash-table scans) are compared by content.

use support::{Pair, Parity, parity, split_aggregate};

/// Whether redsim knows `command` (tests that need another family's
/// commands, such as SADD, skip until it is there).
fn redsim_has(p: &mut Parity, command: &str) -> bool {
    let (sim, _) = p.both(&format!("COMMAND INFO {command}"));
    String::from_utf8_lossy(&sim).contains(&format!("\r\n{command}\r\n"))
}

/// The elements of a flat RESP2 array of bulk strings.
fn bulks(reply: &[u8]) -> Vec<Vec<u8>> {
    let Some((_, items)) = split_aggregate(reply, false) else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| {
            let start = item.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
            item[start..item.len().saturating_sub(2)].to_vec()
        })
        .collect()
}

/// ZADD of `n` members `m0…` with scores from `score(i)`, in one command.
fn zadd_many(p: &mut Parity, key: &str, n: usize, score: impl Fn(usize) -> String) {
    let mut args: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), key.as_bytes().to_vec()];
    for i in 0..n {
        args.push(score(i).into_bytes());
        args.push(format!("m{i}").into_bytes());
    }
    let refs: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
    p.run_args(&refs);
}

/// The `encoding:` field of DEBUG OBJECT on both servers.
fn encodings(pair: &mut Pair, key: &str) -> (String, String) {
    let (sim, real) = pair.both(&format!("DEBUG OBJECT {key}"));
    let pick = |r: &[u8]| {
        String::from_utf8_lossy(r)
            .split_whitespace()
            .find_map(|w| w.strip_prefix("encoding:").map(str::to_string))
            .unwrap_or_default()
    };
    (pick(&sim), pick(&real))
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zadd_adds_updates_and_counts_changes_with_ch() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1 a 2 b 3 c",
        "ZADD z 1 a 5 b 4 d",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD z CH 1 a 6 b 7 e",
        "ZADD z ch ch 6 b",
        "ZADD z 1 dup 2 dup",
        "ZSCORE z dup",
        "ZCARD z",
        "DBSIZE",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zadd_rejects_option_conflicts_and_bad_pairs_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z",
        "ZADD z 1",
        "ZADD z NX",
        "ZADD z NX XX",
        "ZADD z 1 a 2",
        "ZADD z NX XX 1 a",
        "ZADD z NX XX 1 a 2",
        "ZADD z GT LT 1 a",
        "ZADD z GT NX 1 a",
        "ZADD z LT NX 1 a",
        "ZADD z NX XX GT 1 a",
        "ZADD z INCR 1 a 2 b",
        "ZADD z GT LT INCR 1 a 2 b",
        "ZADD z INCR 1 a 2",
        "ZADD z x a",
        "ZADD z 1 a x b",
        "ZADD z NX XX x a",
        "ZADD z INCR x a y b",
        "ZADD z nan a",
        "ZADD z 1 a BADOPT",
        "ZADD z 1 a CH 2 b",
        "DBSIZE",
        "SET s x",
        "ZADD s 1 a",
        "ZADD s x a",
        "ZADD s NX XX 1 a",
        "ZADD s XX 1 a",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zadd_nx_xx_gt_lt_choose_what_to_change() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z XX 1 a",
        "DBSIZE",
        "ZADD z XX CH INCR 1 a",
        "ZADD z 5 a",
        "ZADD z NX 1 a 2 b",
        "ZADD z XX 9 a 9 c",
        "ZADD z XX CH 10 a 11 c",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD z GT CH 5 a 12 b 1 new",
        "ZADD z LT CH 5 a 20 b 0 new",
        "ZADD z GT XX CH 100 a 100 zz",
        "ZADD z LT XX CH -100 a",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD z GT CH 1 fresh",
        "ZADD z LT CH 1 fresh2",
        "ZRANGE z 0 -1 WITHSCORES",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zadd_incr_replies_the_new_score_or_nil() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z INCR 1.5 a",
        "ZADD z INCR 1.5 a",
        "ZADD z INCR NX 1 a",
        "ZADD z INCR XX 1 nosuch",
        "ZADD z INCR XX 1 a",
        "ZADD z INCR GT -1 a",
        "ZADD z INCR LT -1 a",
        "ZADD z INCR LT 1 a",
        "ZADD z INCR CH 0 a",
        "ZADD newkey INCR XX 1 a",
        "DBSIZE",
        "ZADD z INCR inf b",
        "ZADD z INCR -inf b",
        "ZSCORE z b",
        "ZADD z INCR +inf b",
        "ZSCORE z b",
        "ZADD z INCR 0x10 c",
        "ZRANGE z 0 -1 WITHSCORES",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zincrby_increments_and_rejects_nan_results() {
    let mut p = parity!();
    p.run_all(&[
        "ZINCRBY z 1 a",
        "ZINCRBY z 0.1 a",
        "ZINCRBY z 0.2 a",
        "ZINCRBY z -1.3000000000000003 a",
        "ZINCRBY z -0 b",
        "ZSCORE z b",
        "ZINCRBY z inf c",
        "ZINCRBY z -inf c",
        "ZSCORE z c",
        "ZINCRBY z x a",
        "ZINCRBY z nan a",
        "ZINCRBY z nx a",
        "ZINCRBY z INCR a",
        "ZINCRBY z 1 a b",
        "ZINCRBY z 1",
        "SET s x",
        "ZINCRBY s 1 a",
        "ZINCRBY s x a",
        "ZRANGE z 0 -1 WITHSCORES",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn scores_are_read_as_strtod_reads_them() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 0x10 hex",
        "ZADD z 0X1P-2 hexp",
        "ZADD z -0x1.8p1 hexneg",
        "ZADD z 1e-320 denormal",
        "ZADD z 1e400 over",
        "ZADD z 1e-400 under",
        "ZADD z 0e-400 zero",
        "ZADD z +5 plus",
        "ZADD z .5 dot",
        "ZADD z 5. trail",
        "ZADD z Infinity inf1",
        "ZADD z -INF inf2",
        "ZADD z 1e x",
        "ZADD z 0x x",
        "ZADD z nan x",
        "ZADD z -nan x",
        "ZADD z \"\" x",
        "ZADD z \" 1\" x",
        "ZADD z \"1 \" x",
        "ZADD z 1,5 x",
        "ZADD z 00012 lead",
        "ZRANGE z 0 -1 WITHSCORES",
    ]);
    p.run_args(&[b"ZADD", b"z", b"1\x00", b"x"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn scores_print_with_seventeen_significant_digits() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1.1 a 1e20 b -0 c 0.1 d 123456789012345678 e 1e-300 f",
        "ZADD z 3.14159265358979323846 g 100 h -2.5e-5 i 1e15 j 1e16 k 1e17 l",
        "ZADD z 4503599627370496 m 0.000123 n 1e-5 o 9007199254740993 p",
        "ZADD z inf q -inf r 1.7976931348623157e308 s 5e-324 t",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZSCORE z a",
        "ZSCORE z c",
        "ZMSCORE z b e f t q r nosuch",
        "ZINCRBY z 0.2 d",
        "ZINCRBY z 1 c",
        "ZSCORE z c",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn negative_zero_ties_with_zero_and_keeps_its_sign() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z -0 b 0 a",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD z 0 b",
        "ZSCORE z b",
        "ZADD z CH -0 a",
        "ZSCORE z a",
        "ZRANGEBYSCORE z -0 0 WITHSCORES",
        "ZRANGEBYSCORE z (-0 0",
        "ZCOUNT z 0 -0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zrem_removes_members_and_deletes_the_emptied_key() {
    let mut p = parity!();
    p.run_all(&[
        "ZREM nosuch a",
        "ZADD z 1 a 2 b 3 c",
        "ZREM z a nosuch a",
        "ZREM z b c d",
        "DBSIZE",
        "ZCARD z",
        "SET s x",
        "ZREM s a",
        "ZREM z",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn single_member_reads_on_missing_keys_and_wrong_types() {
    let mut p = parity!();
    p.run_all(&[
        "ZSCORE nosuch a",
        "ZMSCORE nosuch a b",
        "ZCARD nosuch",
        "ZRANK nosuch a",
        "ZREVRANK nosuch a",
        "SET s x",
        "ZSCORE s a",
        "ZMSCORE s a",
        "ZCARD s",
        "ZRANK s a",
        "ZREVRANK s a",
        "ZADD z 1 a",
        "ZSCORE z b",
        "ZMSCORE z a b a",
        "ZMSCORE z",
        "ZRANK z a extra",
        "ZSCORE z",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn ranks_count_from_both_ends_with_ties_by_member() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1 b 1 a 1 c 0 z 2 y",
        "ZRANK z z",
        "ZRANK z a",
        "ZRANK z c",
        "ZRANK z y",
        "ZREVRANK z y",
        "ZREVRANK z z",
        "ZREVRANK z b",
        "ZRANK z nosuch",
        "ZREVRANK z nosuch",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zrange_by_rank_clamps_indexes_like_redis() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZRANGE z 0 -1",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZRANGE z 1 3 withscores",
        "ZRANGE z -2 -1",
        "ZRANGE z -100 100",
        "ZRANGE z 0 -6",
        "ZRANGE z 0 -5",
        "ZRANGE z 3 1",
        "ZRANGE z 5 10",
        "ZRANGE z 4 4",
        "ZRANGE z -1 -2",
        "ZRANGE z -9223372036854775808 9223372036854775807",
        "ZRANGE z 0 1 REV",
        "ZRANGE z -2 -1 REV WITHSCORES",
        "ZRANGE z 0 -1 rev",
        "ZREVRANGE z 0 1",
        "ZREVRANGE z 0 -1 WITHSCORES",
        "ZREVRANGE z 10 20",
        "ZRANGE nosuch 0 -1",
        "ZRANGE z a 1",
        "ZRANGE z 0 1.5",
        "ZRANGE z (1 2",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zrange_byscore_handles_exclusive_bounds_and_infinities() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z -inf ninf 1 a 2 b 2 bb 3 c 4 d inf pinf",
        "ZRANGE z -inf +inf BYSCORE",
        "ZRANGE z -inf +inf BYSCORE WITHSCORES",
        "ZRANGE z (1 (3 BYSCORE",
        "ZRANGE z (1 3 BYSCORE",
        "ZRANGE z 1 (3 BYSCORE",
        "ZRANGE z 2 2 BYSCORE",
        "ZRANGE z (2 2 BYSCORE",
        "ZRANGE z 3 1 BYSCORE",
        "ZRANGE z (-inf (inf BYSCORE",
        "ZRANGE z inf inf BYSCORE",
        "ZRANGE z -inf -inf BYSCORE",
        "ZRANGE z +inf -inf BYSCORE REV",
        "ZRANGE z (3 (1 BYSCORE REV WITHSCORES",
        "ZRANGE z 1 3 BYSCORE REV",
        "ZRANGEBYSCORE z 2 3",
        "ZRANGEBYSCORE z (2 +inf WITHSCORES",
        "ZRANGEBYSCORE z 1e400 -1e400",
        "ZRANGEBYSCORE z -1e400 1e400",
        "ZRANGEBYSCORE z \"\" 2",
        "ZRANGEBYSCORE z ( 2",
        "ZRANGEBYSCORE z \" 1\" 2",
        "ZRANGEBYSCORE z 0x1 0x2",
        "ZRANGEBYSCORE z -infinity +infinity",
        "ZREVRANGEBYSCORE z 3 2",
        "ZREVRANGEBYSCORE z +inf (3 WITHSCORES",
        "ZREVRANGEBYSCORE z 2 3",
        "ZRANGEBYSCORE z nan 1",
        "ZRANGEBYSCORE z 1 x",
        "ZRANGEBYSCORE z \"1 \" 2",
        "ZRANGEBYSCORE z ((1 2",
        "ZRANGEBYSCORE z [1 2",
        "ZRANGEBYSCORE nosuch 1 2",
    ]);
    p.run_args(&[b"ZRANGEBYSCORE", b"z", b"1\x00junk", b"2"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zrange_bylex_follows_bracket_syntax() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 0 a 0 b 0 c 0 d 0 e 0 ab",
        "ZRANGE z - + BYLEX",
        "ZRANGE z [b [d BYLEX",
        "ZRANGE z (b (d BYLEX",
        "ZRANGE z [a (b BYLEX",
        "ZRANGE z + - BYLEX",
        "ZRANGE z - - BYLEX",
        "ZRANGE z + + BYLEX",
        "ZRANGE z [b [b BYLEX",
        "ZRANGE z (b [b BYLEX",
        "ZRANGE z [d [b BYLEX",
        "ZRANGE z + - BYLEX REV",
        "ZRANGE z [d (a BYLEX REV",
        "ZRANGEBYLEX z - [c",
        "ZRANGEBYLEX z [aa +",
        "ZREVRANGEBYLEX z + -",
        "ZREVRANGEBYLEX z (d [b",
        "ZREVRANGEBYLEX z - +",
        "ZRANGEBYLEX z a c",
        "ZRANGEBYLEX z [a c",
        "ZRANGEBYLEX z \"\" +",
        "ZRANGEBYLEX z -a +",
        "ZRANGEBYLEX z - +b",
        "ZRANGEBYLEX z \"[\" +",
        "ZRANGEBYLEX z \"(\" +",
        "ZRANGEBYLEX nosuch - +",
    ]);
    p.run_args(&[b"ZRANGEBYLEX", b"z", b"-", b"+\x00x"]);
    p.run_args(&[b"ZRANGEBYLEX", b"z", b"[\x00", b"[\xff"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lex_ranges_over_mixed_scores_match_listpack_scans() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1 d 2 a 3 c 4 b 5 e",
        "ZRANGEBYLEX z - +",
        "ZRANGEBYLEX z [b [d",
        "ZRANGEBYLEX z [a [c",
        "ZRANGEBYLEX z (a +",
        "ZREVRANGEBYLEX z [d [b",
        "ZREVRANGEBYLEX z + (c",
        "ZLEXCOUNT z [b [d",
        "ZLEXCOUNT z - [c",
        "ZREMRANGEBYLEX z [a [c",
        "ZRANGE z 0 -1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zrange_limit_takes_offset_and_count_with_redis_edge_cases() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZRANGE z -inf +inf BYSCORE LIMIT 1 2",
        "ZRANGE z -inf +inf BYSCORE LIMIT 1 -1",
        "ZRANGE z -inf +inf BYSCORE LIMIT 1 -5",
        "ZRANGE z -inf +inf BYSCORE LIMIT 0 0",
        "ZRANGE z -inf +inf BYSCORE LIMIT -1 2",
        "ZRANGE z -inf +inf BYSCORE LIMIT 4 10",
        "ZRANGE z -inf +inf BYSCORE LIMIT 5 10",
        "ZRANGE z -inf +inf BYSCORE LIMIT 9223372036854775807 1",
        "ZRANGE z +inf -inf BYSCORE REV LIMIT 1 2 WITHSCORES",
        "ZRANGE z - + BYLEX LIMIT 2 2",
        "ZRANGE z + - BYLEX REV LIMIT 0 3",
        "ZRANGE z - + BYLEX LIMIT -1 1",
        "ZRANGE z - + BYLEX LIMIT 1 0",
        "ZRANGEBYSCORE z 2 5 LIMIT 1 1 WITHSCORES",
        "ZRANGEBYSCORE z 2 5 WITHSCORES LIMIT 1 1",
        "ZREVRANGEBYSCORE z 5 2 LIMIT 1 2",
        "ZRANGEBYLEX z - + LIMIT 1 2",
        "ZREVRANGEBYLEX z + - LIMIT 1 2",
        "ZRANGE z -inf +inf BYSCORE LIMIT 1 2 LIMIT 0 1",
        "ZRANGE z 0 1 LIMIT 0 -1",
        "ZRANGE z 0 1 LIMIT 0 -2",
        "ZRANGE z 0 1 LIMIT 0 1",
        "ZRANGE z -inf +inf BYSCORE LIMIT 1",
        "ZRANGE z -inf +inf BYSCORE LIMIT",
        "ZRANGE z -inf +inf BYSCORE LIMIT x 1",
        "ZRANGE z -inf +inf BYSCORE LIMIT 1 x",
        "ZRANGEBYSCORE z 1 2 LIMIT 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zrange_option_errors_come_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1 a",
        "SET s x",
        "ZRANGE z 0 1 LIMIT 0 1",
        "ZRANGE z - + BYLEX WITHSCORES",
        "ZRANGE z - + BYLEX WITHSCORES LIMIT 0 1",
        "ZRANGE z 0 1 BYSCORE BYLEX",
        "ZRANGE z 0 1 BYLEX BYSCORE",
        "ZRANGE z 0 1 REV REV",
        "ZRANGE z 0 1 FOO",
        "ZRANGE z 0 1 WITHSCORES WITHSCORES",
        "ZRANGE z x y LIMIT 0 1",
        "ZRANGE z x y BYSCORE",
        "ZRANGE z x y BYLEX",
        "ZRANGE s 0 1",
        "ZRANGE s x y BYSCORE",
        "ZRANGE s 0 1 BYSCORE",
        "ZRANGE s - + BYLEX",
        "ZRANGE z 0",
        "ZRANGEBYSCORE z 0 1 BYSCORE",
        "ZRANGEBYSCORE z 0 1 REV",
        "ZREVRANGEBYSCORE z 0 1 REV",
        "ZRANGEBYLEX z - + WITHSCORES",
        "ZRANGEBYLEX z - + BYLEX",
        "ZREVRANGE z 0 1 LIMIT 0 1",
        "ZREVRANGE z 0 1 REV",
        "ZREVRANGE z 0 1 BYSCORE",
        "ZREVRANGEBYLEX z + - WITHSCORES",
        "ZRANGEBYSCORE s 0 1",
        "ZRANGEBYLEX s - +",
        "ZREVRANGE s 0 1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zrangestore_stores_the_range_or_deletes_the_destination() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD src 1 a 2 b 3 c 4 d",
        "ZRANGESTORE dst src 1 2",
        "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src (1 +inf BYSCORE LIMIT 0 2",
        "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src [c - BYLEX REV",
        "ZRANGE dst 0 -1 WITHSCORES",
        "ZRANGESTORE dst src 0 -1 REV",
        "ZRANGE dst 0 -1 WITHSCORES",
        "SET str x",
        "ZRANGESTORE str src 0 0",
        "ZRANGE str 0 -1 WITHSCORES",
        "ZRANGESTORE dst src 5 10",
        "DBSIZE",
        "ZRANGESTORE dst nosuch 0 -1",
        "ZRANGESTORE str src 10 20",
        "DBSIZE",
        "ZRANGESTORE dst str 0 -1",
        "SET str x",
        "ZRANGESTORE dst str 0 -1",
        "ZRANGESTORE dst src 0 -1 WITHSCORES",
        "ZRANGESTORE dst src 0 -1 LIMIT 0 1",
        "ZRANGESTORE dst src - + BYLEX WITHSCORES",
        "ZRANGESTORE src src 1 2",
        "ZRANGE src 0 -1 WITHSCORES",
        "ZRANGESTORE dst src 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zcount_and_zlexcount_count_ranges() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZCOUNT z -inf +inf",
        "ZCOUNT z (1 (5",
        "ZCOUNT z 2 2",
        "ZCOUNT z 5 1",
        "ZCOUNT z (2 (2",
        "ZCOUNT z x 1",
        "ZCOUNT nosuch x 1",
        "ZCOUNT nosuch 0 1",
        "ZADD l 0 a 0 b 0 c 0 d",
        "ZLEXCOUNT l - +",
        "ZLEXCOUNT l [b (d",
        "ZLEXCOUNT l (a [a",
        "ZLEXCOUNT l + -",
        "ZLEXCOUNT l a b",
        "ZLEXCOUNT nosuch a b",
        "ZLEXCOUNT nosuch - +",
        "SET s x",
        "ZCOUNT s 0 1",
        "ZCOUNT s x 1",
        "ZLEXCOUNT s - +",
        "ZLEXCOUNT s a +",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zremrange_commands_remove_ranges_and_empty_keys() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1 a 2 b 3 c 4 d 5 e 6 f",
        "ZREMRANGEBYRANK z 0 0",
        "ZREMRANGEBYRANK z -1 -1",
        "ZREMRANGEBYRANK z 10 20",
        "ZREMRANGEBYRANK z 2 1",
        "ZRANGE z 0 -1",
        "ZREMRANGEBYSCORE z (2 4",
        "ZREMRANGEBYSCORE z 10 20",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZREMRANGEBYSCORE z -inf +inf",
        "DBSIZE",
        "ZADD l 0 a 0 b 0 c 0 d",
        "ZREMRANGEBYLEX l (a [c",
        "ZREMRANGEBYLEX l + -",
        "ZRANGE l 0 -1",
        "ZREMRANGEBYLEX l - +",
        "DBSIZE",
        "ZADD z 1 a",
        "ZREMRANGEBYRANK z x 1",
        "ZREMRANGEBYRANK nosuch x 1",
        "ZREMRANGEBYSCORE z x 1",
        "ZREMRANGEBYSCORE nosuch x 1",
        "ZREMRANGEBYLEX z x +",
        "ZREMRANGEBYLEX nosuch x +",
        "ZREMRANGEBYRANK nosuch 0 -1",
        "ZREMRANGEBYRANK z -9223372036854775808 9223372036854775807",
        "DBSIZE",
        "SET s x",
        "ZREMRANGEBYRANK s 0 -1",
        "ZREMRANGEBYSCORE s 0 1",
        "ZREMRANGEBYLEX s - +",
        "ZREMRANGEBYLEX s x +",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zpopmin_and_zpopmax_pop_from_either_end() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZPOPMIN z",
        "ZPOPMAX z",
        "ZPOPMIN z 2",
        "ZPOPMAX z 1",
        "ZPOPMIN z 0",
        "ZPOPMIN z 100",
        "DBSIZE",
        "ZPOPMIN z",
        "ZPOPMAX z 3",
        "ZPOPMIN z -1",
        "ZPOPMIN z x",
        "ZPOPMIN z 1 2",
        "SET s x",
        "ZPOPMIN s",
        "ZPOPMAX s 0",
        "ZPOPMIN s -1",
        "ZADD t 1 a 1 b 1 c",
        "ZPOPMAX t 2",
        "ZPOPMIN t 9223372036854775807",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zmpop_pops_from_the_first_existing_key() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD b 1 x 2 y 3 z",
        "ZADD c 10 q",
        "ZMPOP 2 a b MIN",
        "ZMPOP 2 a b MAX COUNT 5",
        "DBSIZE",
        "ZMPOP 3 a b c min count 1",
        "ZMPOP 2 a b MIN",
        "SET s x",
        "ZMPOP 2 a s MIN",
        "ZADD a 1 m",
        "ZMPOP 2 a s MAX",
        "ZMPOP 0 a MIN",
        "ZMPOP -1 a MIN",
        "ZMPOP x a MIN",
        "ZMPOP 1 a",
        "ZMPOP 2 a MIN",
        "ZMPOP 1 a LEFT",
        "ZMPOP 1 a MIN COUNT",
        "ZMPOP 1 a MIN COUNT 0",
        "ZMPOP 1 a MIN COUNT -1",
        "ZMPOP 1 a MIN COUNT x",
        "ZMPOP 1 a MIN COUNT 1 COUNT 1",
        "ZMPOP 1 a MIN FOO",
        "ZMPOP 9223372036854775807 a MIN",
        "ZMPOP 1 nosuch MIN COUNT 1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn set_operations_combine_scores_with_weights_and_aggregates() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD a 1 x 2 y 3 z",
        "ZADD b 10 y 20 z 30 w",
        "ZUNION 2 a b",
        "ZUNION 2 a b WITHSCORES",
        "ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES",
        "ZUNION 2 a b AGGREGATE MIN WITHSCORES",
        "ZUNION 2 a b AGGREGATE max WITHSCORES",
        "ZUNION 2 a b WEIGHTS -1 1 AGGREGATE MAX WITHSCORES",
        "ZUNION 3 a b nosuch WITHSCORES",
        "ZINTER 2 a b",
        "ZINTER 2 a b WITHSCORES",
        "ZINTER 2 a b WEIGHTS 1 -1 WITHSCORES",
        "ZINTER 2 a b AGGREGATE MIN WITHSCORES",
        "ZINTER 2 a a WITHSCORES",
        "ZINTER 3 a b nosuch WITHSCORES",
        "ZDIFF 2 a b",
        "ZDIFF 2 b a WITHSCORES",
        "ZDIFF 1 a WITHSCORES",
        "ZDIFF 2 a a",
        "ZDIFF 2 nosuch a",
        "ZUNION 2 a b WEIGHTS 1 2 WEIGHTS 3 4 WITHSCORES",
        "ZUNION 2 a b AGGREGATE SUM AGGREGATE MIN WITHSCORES",
        "ZUNION 2 a b WITHSCORES WITHSCORES",
        "ZUNION 1 a WEIGHTS 0x10 WITHSCORES",
        "ZUNION 2 a b WEIGHTS 1.1 3 WITHSCORES",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn set_operations_sanitize_infinite_arithmetic() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD a inf x -inf y 1 z 0 w",
        "ZADD b -inf x inf y inf z inf w",
        "ZUNION 2 a b WITHSCORES",
        "ZINTER 2 a b WITHSCORES",
        "ZUNION 2 a b WEIGHTS 0 1 WITHSCORES",
        "ZINTER 2 a b WEIGHTS 1 0 WITHSCORES",
        "ZINTER 2 a b WEIGHTS 1 0 AGGREGATE MIN WITHSCORES",
        "ZINTER 2 a b WEIGHTS 1 0 AGGREGATE MAX WITHSCORES",
        "ZUNION 1 a WEIGHTS -inf WITHSCORES",
        "ZUNIONSTORE d 2 a b",
        "ZRANGE d 0 -1 WITHSCORES",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn set_operations_sum_in_ascending_size_order() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD a 1e16 m",
        "ZADD b -1e16 m",
        "ZADD c 1 m",
        "ZUNION 3 a b c WITHSCORES",
        "ZUNION 3 a c b WITHSCORES",
        "ZINTER 3 a c b WITHSCORES",
        "ZADD a 5 other",
        "ZUNION 3 a b c WITHSCORES",
        "ZINTER 3 a c b WITHSCORES",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn set_operation_errors_come_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD a 1 x",
        "SET s x",
        "ZUNION 0 a",
        "ZUNION -1 a",
        "ZUNION x a",
        "ZUNION 2 a",
        "ZUNION 9223372036854775807 a",
        "ZUNION 1 s",
        "ZUNION 2 a s",
        "ZUNION 1 s WEIGHTS x",
        "ZUNION 1 a WEIGHTS x",
        "ZUNION 1 a WEIGHTS nan",
        "ZUNION 2 a a WEIGHTS 1",
        "ZUNION 1 a AGGREGATE",
        "ZUNION 1 a AGGREGATE avg",
        "ZUNION 1 a FOO",
        "ZINTER 1 a LIMIT 1",
        "ZDIFF 1 a WEIGHTS 1",
        "ZDIFF 1 a AGGREGATE SUM",
        "ZUNIONSTORE d 0 a",
        "ZUNIONSTORE d x a",
        "ZUNIONSTORE d 1 a WITHSCORES",
        "ZINTERSTORE d 1 a WITHSCORES",
        "ZDIFFSTORE d 1 a WITHSCORES",
        "ZINTERSTORE d 2 a s",
        "ZDIFFSTORE d 2 a s",
        "ZDIFFSTORE d 0 a",
        "ZINTERSTORE d -5 a",
        "ZUNIONSTORE d 2 a",
        "ZUNION 1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn store_commands_replace_or_delete_the_destination() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD a 1 x 2 y",
        "ZADD b 3 y 4 z",
        "SET d string",
        "ZUNIONSTORE d 2 a b",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZINTERSTORE d 2 a b WEIGHTS 2 3 AGGREGATE MAX",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZDIFFSTORE d 2 a b",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZINTERSTORE d 2 a nosuch",
        "DBSIZE",
        "ZINTERSTORE d 2 a nosuch",
        "ZDIFFSTORE d 2 a a",
        "ZUNIONSTORE d 2 nosuch1 nosuch2",
        "DBSIZE",
        "ZUNIONSTORE a 2 a b",
        "ZRANGE a 0 -1 WITHSCORES",
        "ZINTERSTORE b 1 b WEIGHTS 0.5",
        "ZRANGE b 0 -1 WITHSCORES",
        "ZDIFFSTORE b 2 b a",
        "DBSIZE",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zintercard_counts_with_an_optional_limit() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD a 1 x 2 y 3 z 4 w",
        "ZADD b 1 y 2 z 3 w 4 v",
        "ZINTERCARD 2 a b",
        "ZINTERCARD 2 a b LIMIT 0",
        "ZINTERCARD 2 a b LIMIT 2",
        "ZINTERCARD 2 a b LIMIT 100",
        "ZINTERCARD 1 a",
        "ZINTERCARD 2 a nosuch",
        "ZINTERCARD 2 a b LIMIT -1",
        "ZINTERCARD 2 a b LIMIT x",
        "ZINTERCARD 2 a b LIMIT",
        "ZINTERCARD 2 a b LIMIT 1 LIMIT 2",
        "ZINTERCARD 2 a b WEIGHTS 1 1",
        "ZINTERCARD 2 a b AGGREGATE SUM",
        "ZINTERCARD 2 a b WITHSCORES",
        "ZINTERCARD 0 a",
        "ZINTERCARD -1 a",
        "ZINTERCARD x a",
        "ZINTERCARD 3 a b",
        "SET s x",
        "ZINTERCARD 2 a s",
        "ZINTERCARD 2 s a LIMIT -1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn plain_sets_take_part_with_score_one() {
    let mut p = parity!();
    if !redsim_has(&mut p, "sadd") {
        eprintln!("SKIPPED: redsim has no SADD yet");
        return;
    }
    p.run_all(&[
        "SADD s x y 10",
        "SADD h x q",
        "ZADD z 5 x 7 10 9 r",
        "ZUNION 2 s z WITHSCORES",
        "ZINTER 2 s z WITHSCORES",
        "ZINTER 3 s z h WEIGHTS 2 1 3 WITHSCORES",
        "ZDIFF 2 s z WITHSCORES",
        "ZDIFF 2 z s WITHSCORES",
        "ZINTERCARD 2 s z",
        "ZUNIONSTORE d 2 s h",
        "ZRANGE d 0 -1 WITHSCORES",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zrandmember_follows_count_rules() {
    let mut p = parity!();
    p.run_all(&[
        "ZRANDMEMBER nosuch",
        "ZRANDMEMBER nosuch 5",
        "ZRANDMEMBER nosuch -5 WITHSCORES",
        "ZRANDMEMBER nosuch 0",
        "SET s x",
        "ZRANDMEMBER s",
        "ZRANDMEMBER s 1",
        "ZRANDMEMBER s 0",
        "ZADD z 1 a 2 b 3 c",
        "ZRANDMEMBER z 0",
        "ZRANDMEMBER z 0 WITHSCORES",
        "ZRANDMEMBER z 3",
        "ZRANDMEMBER z 10 WITHSCORES",
        "ZRANDMEMBER z x",
        "ZRANDMEMBER z 1 WITHSCORE",
        "ZRANDMEMBER z 1 WITHSCORES x",
        "ZRANDMEMBER z x WITHSCORES x",
        "ZRANDMEMBER z -9223372036854775808",
        "ZRANDMEMBER z -9223372036854775808 WITHSCORES",
        "ZRANDMEMBER z 9223372036854775807 WITHSCORES",
        "ZRANDMEMBER z -9223372036854775807 WITHSCORES",
        "ZRANDMEMBER z 4611686018427387904 WITHSCORES",
        "ZRANDMEMBER z -4611686018427387904 WITHSCORES",
        "ZRANDMEMBER nosuch -4611686018427387904 WITHSCORES",
    ]);
    let members: Vec<Vec<u8>> = vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()];
    // One random member, or a repeated pick: only membership is certain.
    for line in ["ZRANDMEMBER z", "ZRANDMEMBER z 1", "ZRANDMEMBER z -1"] {
        let (sim, real) = p.both(line);
        assert_eq!(sim.first(), real.first(), "{line}");
    }
    let (sim, real) = p.both("ZRANDMEMBER z -20");
    for reply in [&sim, &real] {
        let got = bulks(reply);
        assert_eq!(got.len(), 20);
        assert!(got.iter().all(|m| members.contains(m)));
    }
    let (sim, real) = p.both("ZRANDMEMBER z -4 WITHSCORES");
    assert_eq!(bulks(&sim).len(), 8);
    assert_eq!(bulks(&real).len(), 8);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zrandmember_distinct_samples_have_no_repeats() {
    let mut p = parity!();
    zadd_many(&mut p, "small", 100, |i| i.to_string());
    zadd_many(&mut p, "big", 1000, |i| (i % 17).to_string());
    for (key, count) in [("small", 10), ("small", 50), ("big", 10), ("big", 600)] {
        let line = format!("ZRANDMEMBER {key} {count}");
        let (sim, real) = p.both(&line);
        for reply in [&sim, &real] {
            let mut got = bulks(reply);
            assert_eq!(got.len(), count, "{line}");
            got.sort();
            got.dedup();
            assert_eq!(got.len(), count, "{line}: repeats");
        }
        let (sim, _) = p.both(&format!("{line} WITHSCORES"));
        assert_eq!(bulks(&sim).len(), count * 2);
    }
    // A small listpack sample comes in score order, as Redis walks it.
    let (sim, real) = p.both("ZRANDMEMBER small 5 WITHSCORES");
    for reply in [&sim, &real] {
        let scores: Vec<f64> = bulks(reply)
            .chunks(2)
            .map(|c| String::from_utf8_lossy(&c[1]).parse().unwrap_or(f64::NAN))
            .collect();
        assert!(scores.windows(2).all(|w| w[0] <= w[1]), "{scores:?}");
    }
    p.run("ZRANDMEMBER small 100");
    p.run("ZRANDMEMBER big 1000 WITHSCORES");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zscan_returns_small_sets_whole_and_walks_big_ones() {
    let mut p = parity!();
    p.run_all(&[
        "ZSCAN nosuch 0",
        "ZSCAN nosuch x",
        "ZSCAN nosuch 0 COUNT 0",
        "ZSCAN nosuch 0 FOO",
        "ZADD z 1.5 a 2 b 3 c -0 d inf e",
        "ZSCAN z 0",
        "ZSCAN z 0 MATCH *",
        "ZSCAN z 0 MATCH [ab]",
        "ZSCAN z 0 COUNT 1",
        "ZSCAN z 7",
        "ZSCAN z \"\"",
        "ZSCAN z +0",
        "ZSCAN z -1",
        "ZSCAN z \" 0\"",
        "ZSCAN z 0x",
        "ZSCAN z 18446744073709551616",
        "ZSCAN z 0 COUNT 0",
        "ZSCAN z 0 COUNT -1",
        "ZSCAN z 0 COUNT x",
        "ZSCAN z 0 MATCH",
        "ZSCAN z 0 TYPE zset",
        "ZSCAN z 0 NOVALUES",
        "SET s x",
        "ZSCAN s 0",
        "ZSCAN s x",
    ]);
    zadd_many(&mut p, "big", 500, |i| format!("{}.25", i % 50));
    for (sim_side, label) in [(true, "redsim"), (false, "redis")] {
        let mut cursor = b"0".to_vec();
        let mut seen = Vec::new();
        for _ in 0..10_000 {
            let args: [&[u8]; 5] = [b"ZSCAN", b"big", &cursor, b"COUNT", b"30"];
            let reply = if sim_side {
                p.pair.sim.call(&args)
            } else {
                p.pair.real.call(&args)
            };
            let (_, parts) = split_aggregate(&reply, false).expect("scan reply");
            cursor = bulks(&[b"*1\r\n".as_slice(), &parts[0]].concat())
                .pop()
                .unwrap_or_default();
            seen.extend(bulks(&parts[1]).chunks(2).map(|c| c.to_vec()));
            if cursor == b"0" {
                break;
            }
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 500, "{label}: every member once");
        assert!(
            seen.iter().all(|pair| pair[1].ends_with(b".25")),
            "{label}: scores"
        );
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn encodings_follow_the_listpack_limits() {
    let mut p = parity!();
    p.run_all(&[
        "CONFIG SET zset-max-listpack-entries 4",
        "CONFIG SET zset-max-listpack-value 8",
        "ZADD z 1 a 2 b 3 c 4 d",
    ]);
    let check = |p: &mut Parity, key: &str| {
        let (sim, real) = encodings(&mut p.pair, key);
        assert_eq!(sim, real, "encoding of {key}");
    };
    check(&mut p, "z");
    p.run("ZADD z 5 d");
    check(&mut p, "z");
    p.run("ZADD z XX 5 e");
    check(&mut p, "z");
    p.run("ZADD z 5 e");
    check(&mut p, "z");
    p.run("ZREMRANGEBYRANK z 0 -2");
    check(&mut p, "z");
    p.run("ZADD long 1 123456789");
    check(&mut p, "long");
    p.run("ZADD ok 1 12345678");
    check(&mut p, "ok");
    p.run("ZADD ok XX 1 123456789");
    check(&mut p, "ok");
    p.run("ZINCRBY ok 1 123456789");
    check(&mut p, "ok");
    p.run_all(&["ZADD a 1 x 2 y 3 w", "ZADD b 1 y 2 v 3 u"]);
    p.run("ZUNIONSTORE u 2 a b");
    check(&mut p, "u");
    p.run("ZINTERSTORE i 2 a b");
    check(&mut p, "i");
    p.run("ZRANGESTORE r u 0 -1");
    check(&mut p, "r");
    p.run("ZRANGESTORE r u 0 2");
    check(&mut p, "r");
    p.run("ZRANGESTORE r u -inf +inf BYSCORE LIMIT 0 3");
    check(&mut p, "r");
    p.run("ZUNIONSTORE l 2 long ok");
    check(&mut p, "l");
    p.run_all(&["CONFIG SET zset-max-listpack-entries 0", "ZADD zero 1 a"]);
    check(&mut p, "zero");
    p.run("ZRANGESTORE r a 0 0");
    check(&mut p, "r");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn big_sets_agree_on_ranks_ranges_and_removals() {
    let mut p = parity!();
    zadd_many(&mut p, "z", 2000, |i| format!("{}", (i * 7919) % 613));
    let (sim, real) = encodings(&mut p.pair, "z");
    assert_eq!(sim, real);
    p.run_all(&[
        "ZCARD z",
        "ZRANK z m0",
        "ZRANK z m1999",
        "ZREVRANK z m1000",
        "ZRANGE z 995 1005 WITHSCORES",
        "ZRANGE z -10 -1",
        "ZRANGE z 1990 10 REV",
        "ZRANGE z 100 (101 BYSCORE",
        "ZRANGE z (300 +inf BYSCORE LIMIT 5 7 WITHSCORES",
        "ZRANGE z +inf 300 BYSCORE REV LIMIT 5 7",
        "ZCOUNT z 100 200",
        "ZCOUNT z (100 (200",
        "ZREMRANGEBYRANK z 10 19",
        "ZREMRANGEBYSCORE z 500 550",
        "ZCARD z",
        "ZRANGE z 0 30 WITHSCORES",
        "ZPOPMIN z 3",
        "ZPOPMAX z 3",
        "ZRANK z m1000",
        "ZINCRBY z 1000 m1000",
        "ZREVRANK z m1000",
        "ZRANGE z 0 -1",
    ]);
    zadd_many(&mut p, "lex", 1000, |_| "0".into());
    p.run_all(&[
        "ZRANGEBYLEX lex [m5 (m6",
        "ZREVRANGEBYLEX lex (m6 [m5 LIMIT 3 4",
        "ZLEXCOUNT lex [m1 [m2",
        "ZREMRANGEBYLEX lex [m3 (m4",
        "ZCARD lex",
    ]);
    zadd_many(&mut p, "u", 300, |i| i.to_string());
    p.run_all(&[
        "ZUNIONSTORE d 2 z u WEIGHTS 1 -1",
        "ZRANGE d 0 20 WITHSCORES",
        "ZINTER 2 z u WITHSCORES",
        "ZDIFF 2 u z",
        "ZINTERCARD 2 z u LIMIT 10",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn binary_members_order_by_bytes() {
    let mut p = parity!();
    p.run_args(&[
        b"ZADD", b"z", b"0", b"a\x00b", b"0", b"a", b"0", b"\xff", b"0", b"",
    ]);
    p.run_args(&[b"ZADD", b"z", b"0", b"a\x00", b"0", b"A"]);
    p.run("ZRANGE z 0 -1");
    p.run_args(&[b"ZRANK", b"z", b"a\x00b"]);
    p.run_args(&[b"ZRANGEBYLEX", b"z", b"(a", b"[a\x00b"]);
    p.run_args(&[b"ZSCORE", b"z", b""]);
    p.run_args(&[b"ZREM", b"z", b"a\x00"]);
    p.run("ZRANGE z 0 -1");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn writes_signal_watchers_and_no_ops_do_not() {
    let mut p = parity!();
    p.run("ZADD z 1 a 2 b");
    // EXEC fails (a null reply) exactly when the write signalled the key.
    let writes = [
        "ZADD z NX 5 a",
        "ZADD z 1 a",
        "ZADD z 3 a",
        "ZADD z XX 1 nosuch",
        "ZINCRBY z 1 a",
        "ZINCRBY z 0 a",
        "ZREM z nosuch",
        "ZREM z a",
        "ZREMRANGEBYSCORE z 100 200",
        "ZREMRANGEBYRANK z 0 0",
        "ZPOPMIN z 0",
        "ZPOPMAX z",
        "ZRANGESTORE z nosuch 0 -1",
        "ZRANGESTORE nosuch2 nosuch 0 -1",
        "ZUNIONSTORE nosuch2 1 nosuch",
        "ZMPOP 1 z MIN",
    ];
    for write in writes {
        p.run_all(&["DEL z", "ZADD z 1 a 2 b", "WATCH z nosuch2"]);
        let mut other = p.new_pair();
        other.run(write);
        p.run_all(&["MULTI", "PING", "EXEC"]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn wrong_arity_is_reported_per_command() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1",
        "ZINCRBY z 1",
        "ZREM z",
        "ZSCORE z",
        "ZMSCORE z",
        "ZCARD",
        "ZCOUNT z 1",
        "ZLEXCOUNT z -",
        "ZRANK z",
        "ZREVRANK z a b",
        "ZRANGE z 0",
        "ZRANGESTORE d z 0",
        "ZREVRANGE z 0",
        "ZRANGEBYSCORE z 0",
        "ZREVRANGEBYSCORE z 0",
        "ZRANGEBYLEX z -",
        "ZREVRANGEBYLEX z +",
        "ZREMRANGEBYRANK z 0",
        "ZREMRANGEBYSCORE z 0 1 2",
        "ZREMRANGEBYLEX z -",
        "ZPOPMIN",
        "ZPOPMAX",
        "ZMPOP 1 z",
        "ZUNION 1",
        "ZINTER 1",
        "ZDIFF 1",
        "ZUNIONSTORE d 1",
        "ZINTERSTORE d 1",
        "ZDIFFSTORE d 1",
        "ZINTERCARD 1",
        "ZRANDMEMBER",
        "ZSCAN z",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_replies_use_doubles_nulls_and_pairs() {
    let mut p = parity!();
    p.pair.resp3();
    p.run_all(&[
        "ZADD z 1 a 2.5 b 3 c inf d",
        "ZADD z INCR 1.1 a",
        "ZADD z INCR XX 1 nosuch",
        "ZINCRBY z -0.5 b",
        "ZSCORE z a",
        "ZSCORE z nosuch",
        "ZSCORE nosuch a",
        "ZMSCORE z a nosuch d",
        "ZMSCORE nosuch a",
        "ZRANK z nosuch",
        "ZRANK nosuch a",
        "ZREVRANK z a",
        "ZRANGE z 0 -1",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZRANGE z 0 -1 REV WITHSCORES",
        "ZRANGE z -inf +inf BYSCORE LIMIT 1 2 WITHSCORES",
        "ZRANGE nosuch 0 -1 WITHSCORES",
        "ZREVRANGE z 0 1 WITHSCORES",
        "ZRANGEBYSCORE z 1 3 WITHSCORES",
        "ZREVRANGEBYSCORE z 3 1 WITHSCORES",
        "ZRANGEBYLEX z - +",
        "ZADD a 1 x 2 y",
        "ZUNION 2 z a WITHSCORES",
        "ZINTER 2 z z WITHSCORES",
        "ZDIFF 2 z a WITHSCORES",
        "ZUNION 2 z a",
        "ZRANDMEMBER z 10 WITHSCORES",
        "ZRANDMEMBER z 0 WITHSCORES",
        "ZRANDMEMBER nosuch",
        "ZRANDMEMBER nosuch 3",
        "ZSCAN z 0",
        "ZSCAN nosuch 0",
        "ZPOPMIN z",
        "ZPOPMIN z 1",
        "ZPOPMAX z 2",
        "ZPOPMIN z 0",
        "ZPOPMIN nosuch",
        "ZPOPMIN nosuch 2",
        "ZMPOP 2 nosuch a MIN",
        "ZMPOP 1 nosuch MAX",
        "ZADD a 1 x 2 y",
        "ZMPOP 1 a MAX COUNT 5",
        "ZADD q 1 a",
        "ZRANDMEMBER q -1 WITHSCORES",
        "ZRANDMEMBER q 1 WITHSCORES",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp2_pop_and_random_replies_are_flat() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD z 1 a 2 b 3 c",
        "ZPOPMIN z 1",
        "ZPOPMAX z",
        "ZMPOP 1 z MIN",
        "ZPOPMIN nosuch",
        "ZMPOP 1 nosuch MIN",
        "ZADD q 1.5 a",
        "ZRANDMEMBER q -2 WITHSCORES",
        "ZRANDMEMBER q 5 WITHSCORES",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn commands_inside_multi_reply_in_order() {
    let mut p = parity!();
    p.run_all(&[
        "MULTI",
        "ZADD z 1 a 2 b",
        "ZINCRBY z 1 a",
        "ZADD z NX XX 1 a",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZPOPMAX z",
        "ZCARD z",
        "EXEC",
    ]);
}

/// A small deterministic generator for the randomized test.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn random_command_sequences_match_redis() {
    let mut p = parity!();
    // Small limits so that sets cross from listpack to skiplist often.
    p.run_all(&[
        "CONFIG SET zset-max-listpack-entries 6",
        "CONFIG SET zset-max-listpack-value 4",
    ]);
    let keys = ["k1", "k2", "k3", "str"];
    let members = ["a", "b", "c", "d", "e", "f", "g", "longmember", "", "10"];
    let scores = [
        "0", "-0", "1", "2", "2", "3.5", "-1", "inf", "-inf", "1e300", "0.1", "7",
    ];
    let bounds = [
        "-inf", "+inf", "0", "(0", "1", "(1", "2", "(2", "3.5", "(3.5", "-1", "inf", "(inf",
    ];
    let lex = [
        "-",
        "+",
        "[a",
        "(a",
        "[c",
        "(c",
        "[e",
        "(longmember",
        "[",
        "(g",
    ];
    let ints = ["0", "1", "2", "-1", "-2", "3", "10", "-10"];
    let domain = Domain {
        keys: &keys,
        members: &members,
        scores: &scores,
        bounds: &bounds,
        lex: &lex,
        ints: &ints,
    };
    for seed in [20_240_601, 7, 99_991, 123_456_789] {
        random_sequence(&mut p, seed, &domain);
    }
    // The same kind of walk in RESP3: doubles, nulls and nested pairs.
    p.pair.resp3();
    random_sequence(&mut p, 31_337, &domain);
}

/// The values the randomized test draws from.
struct Domain<'a> {
    keys: &'a [&'a str],
    members: &'a [&'a str],
    scores: &'a [&'a str],
    bounds: &'a [&'a str],
    lex: &'a [&'a str],
    ints: &'a [&'a str],
}

fn random_sequence(p: &mut Parity, seed: u64, d: &Domain<'_>) {
    let (keys, members, scores, bounds, lex, ints) =
        (d.keys, d.members, d.scores, d.bounds, d.lex, d.ints);
    let mut rng = Lcg(seed);
    p.run_all(&["FLUSHALL", "SET str x"]);
    for _ in 0..3000 {
        let k = rng.pick(keys);
        let k2 = rng.pick(keys);
        let m = rng.pick(members);
        // Lex ranges are defined only over equal scores (Redis's answer
        // for a skiplist with mixed scores depends on its random levels).
        let lk = rng.pick(&["lx1", "lx2"]);
        let line = match rng.below(24) {
            22 => format!("ZADD {lk} 0 \"{m}\" -0 {}", rng.pick(members)),
            23 => format!("ZPOPMIN {lk}"),
            0..=3 => {
                let opts = ["", "NX ", "XX ", "GT ", "LT ", "CH ", "GT CH ", "XX LT "];
                let mut l = format!("ZADD {k} {}", rng.pick(&opts));
                for _ in 0..=rng.below(4) {
                    l += &format!("{} \"{}\" ", rng.pick(scores), rng.pick(members));
                }
                l
            }
            4 => format!("ZINCRBY {k} {} \"{m}\"", rng.pick(scores)),
            5 => format!("ZREM {k} \"{m}\" {}", rng.pick(members)),
            6 => format!("ZRANK {k} \"{m}\""),
            7 => format!("ZREVRANK {k} \"{m}\""),
            8 => format!(
                "ZRANGE {k} {} {} {}",
                rng.pick(ints),
                rng.pick(ints),
                rng.pick(&["", "REV", "WITHSCORES", "REV WITHSCORES"])
            ),
            9 => format!(
                "ZRANGE {k} {} {} BYSCORE {} {}",
                rng.pick(bounds),
                rng.pick(bounds),
                rng.pick(&["", "REV"]),
                rng.pick(&["", "WITHSCORES", "LIMIT 1 2", "LIMIT 0 -1 WITHSCORES"])
            ),
            10 => format!(
                "ZRANGE {lk} \"{}\" \"{}\" BYLEX {} {}",
                rng.pick(lex),
                rng.pick(lex),
                rng.pick(&["", "REV"]),
                rng.pick(&["", "LIMIT 1 2", "LIMIT 0 1"])
            ),
            11 => format!("ZCOUNT {k} {} {}", rng.pick(bounds), rng.pick(bounds)),
            12 => format!("ZLEXCOUNT {lk} \"{}\" \"{}\"", rng.pick(lex), rng.pick(lex)),
            13 => format!("ZREMRANGEBYRANK {k} {} {}", rng.pick(ints), rng.pick(ints)),
            14 => format!(
                "ZREMRANGEBYSCORE {k} {} {}",
                rng.pick(bounds),
                rng.pick(bounds)
            ),
            15 => format!(
                "ZREMRANGEBYLEX {lk} \"{}\" \"{}\"",
                rng.pick(lex),
                rng.pick(lex)
            ),
            16 => format!(
                "{} {k} {}",
                rng.pick(&["ZPOPMIN", "ZPOPMAX"]),
                rng.pick(&["", "0", "1", "2", "10"])
            ),
            17 => format!(
                "{} 2 {k} {k2} {} {}",
                rng.pick(&["ZUNION", "ZINTER", "ZDIFF"]),
                rng.pick(&["", "WEIGHTS 2 -1", "WEIGHTS 0 inf"]),
                rng.pick(&["WITHSCORES", "AGGREGATE MIN WITHSCORES", "AGGREGATE MAX"])
            ),
            18 => format!(
                "{} {} 2 {k} {k2} {}",
                rng.pick(&["ZUNIONSTORE", "ZINTERSTORE"]),
                rng.pick(keys),
                rng.pick(&["", "WEIGHTS 1 0.5", "AGGREGATE MAX"])
            ),
            19 => format!("ZDIFFSTORE {} 2 {k} {k2}", rng.pick(keys)),
            20 => format!(
                "ZRANGESTORE {} {k} {} {} BYSCORE",
                rng.pick(keys),
                rng.pick(bounds),
                rng.pick(bounds)
            ),
            _ => format!(
                "ZMPOP 2 {k} {k2} {} COUNT {}",
                rng.pick(&["MIN", "MAX"]),
                rng.pick(&["1", "3"])
            ),
        };
        // `ZTRACE=1` prints the sequence, to replay a failure by hand.
        if std::env::var("ZTRACE").is_ok() {
            eprintln!("seed {seed}: {line}");
        }
        p.run(&line);
        if rng.below(10) == 0 {
            for key in ["k1", "k2", "k3", "lx1", "lx2"] {
                p.run(&format!("ZRANGE {key} 0 -1 WITHSCORES"));
                let (sim, real) = encodings(&mut p.pair, key);
                assert_eq!(sim, real, "encoding of {key} after {line} (seed {seed})");
            }
        }
    }
}

/// INFO's `rdb_changes_since_last_save` on both servers.
fn changes(p: &mut Parity) -> (i64, i64) {
    let (sim, real) = p.both("INFO persistence");
    let pick = |r: &[u8]| {
        String::from_utf8_lossy(r)
            .lines()
            .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(-1)
    };
    (pick(&sim), pick(&real))
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn writes_count_one_change_per_member() {
    let mut p = parity!();
    let writes = [
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZADD z CH 1 a 9 b 10 f",
        "ZADD z NX 1 a",
        "ZINCRBY z 1 a",
        "ZREM z a b nosuch",
        "ZREMRANGEBYRANK z 0 1",
        "ZPOPMIN z 2",
        "ZADD y 1 a 2 b 3 c",
        "ZUNIONSTORE u 2 y z",
        "ZRANGESTORE r y 0 1",
        "ZMPOP 1 y MAX COUNT 2",
        "ZREMRANGEBYSCORE y -inf +inf",
        "ZINTERSTORE u 2 nosuch y",
    ];
    for w in writes {
        let before = changes(&mut p);
        p.run(w);
        let after = changes(&mut p);
        assert_eq!(
            after.0 - before.0,
            after.1 - before.1,
            "changes counted by {w}"
        );
    }
}

/// INFO's keyspace hits and misses on both servers.
fn hits(p: &mut Parity) -> ((i64, i64), (i64, i64)) {
    let (sim, real) = p.both("INFO stats");
    let pick = |r: &[u8], field: &str| {
        String::from_utf8_lossy(r)
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(-1)
    };
    (
        (pick(&sim, "keyspace_hits:"), pick(&sim, "keyspace_misses:")),
        (
            pick(&real, "keyspace_hits:"),
            pick(&real, "keyspace_misses:"),
        ),
    )
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn reads_count_keyspace_hits_and_misses_as_redis_does() {
    let mut p = parity!();
    p.run_all(&["ZADD z 1 a 2 b", "SET s x"]);
    let commands = [
        "ZADD z 3 c",
        "ZADD nosuch XX 1 a",
        "ZSCORE z a",
        "ZSCORE nosuch a",
        "ZMSCORE z a",
        "ZCARD nosuch",
        "ZRANK z a",
        "ZRANGE z 0 -1",
        "ZRANGE nosuch 0 -1",
        "ZRANGEBYSCORE z -inf +inf",
        "ZCOUNT z 0 1",
        "ZLEXCOUNT nosuch - +",
        "ZRANGESTORE d z 0 0",
        "ZUNION 3 z nosuch z",
        "ZINTER 2 nosuch s",
        "ZUNIONSTORE d 2 z nosuch",
        "ZINTERCARD 2 z z",
        "ZRANDMEMBER z",
        "ZRANDMEMBER nosuch 2",
        "ZSCAN z 0",
        "ZREM z c",
        "ZPOPMIN nosuch",
        "ZMPOP 2 nosuch z MIN",
        "ZREMRANGEBYRANK nosuch 0 1",
    ];
    for c in commands {
        let before = hits(&mut p);
        if c.starts_with("ZRANDMEMBER") {
            p.both(c);
        } else {
            p.run(c);
        }
        let after = hits(&mut p);
        let sim = (after.0.0 - before.0.0, after.0.1 - before.0.1);
        let real = (after.1.0 - before.1.0, after.1.1 - before.1.1);
        assert_eq!(sim, real, "(hits, misses) counted by {c}");
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn blocking_pops_with_data_errors_and_inside_multi() {
    let mut p = parity!();
    p.run_all(&[
        "ZADD bz 1 a 2 b 3 c",
        "BZPOPMIN bz 0",
        "BZPOPMAX bz 0",
        "BZPOPMIN nosuch bz 0",
        "ZADD bz 1 a 2 b 3 c",
        "BZMPOP 0 1 bz MIN COUNT 2",
        "BZMPOP 0 2 nosuch bz MAX",
        "BZPOPMIN nz abc",
        "BZPOPMIN nz -1",
        "BZMPOP 0 0 nz MIN",
        "BZMPOP abc 0 nz MIN",
        "BZMPOP abc 1 nz MIN",
        "BZMPOP 0 1 nz FOO",
        "BZMPOP 0 1 nz MIN COUNT 0",
        "SET str x",
        "BZPOPMIN str nz 0",
        "BZPOPMIN nz 0.01",
        "BZMPOP 0.01 1 nz MIN",
        "MULTI",
        "BZPOPMIN nz 0",
        "BZMPOP 0 1 nz MIN",
        "EXEC",
        "BZPOPMIN",
        "BZMPOP 0 1",
    ]);
    p.pair.resp3();
    p.run_all(&[
        "ZADD r3 1.5 a 2 b",
        "BZPOPMIN r3 0",
        "BZMPOP 0 1 r3 MAX",
        "BZPOPMIN nz 0.01",
    ]);
}

/// Runs `lines` over RESP2, then flushes both servers and runs them again
/// over a RESP3 connection, where a score is a double and `-0` prints as
/// `,-0`. `lines` set the encoding limits they need first (CONFIG SET
/// outlives the flush).
fn in_resp2_and_resp3(p: &mut Parity, lines: &[&str]) {
    p.run("FLUSHALL");
    p.run_all(lines);
    let mut resp3 = p.new_pair();
    resp3.resp3();
    resp3.run("FLUSHALL");
    resp3.run_all(lines);
}

// Negative zero follows the encoding, as in Redis: a listpack stores an
// integral score as an integer, which has no `-0`; a skiplist keeps the
// double. Each case below checks OBJECT ENCODING after every write and
// reads the `-0` members back (ZSCORE, ZRANGE … WITHSCORES).

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn negative_zero_after_zdiffstore_zmpop_and_expire_follows_the_encoding() {
    let mut p = parity!();
    // A small result is a listpack: the `-0` added last is stored as 0.
    in_resp2_and_resp3(
        &mut p,
        &[
            "CONFIG SET zset-max-listpack-entries 128",
            "CONFIG SET zset-max-listpack-value 8",
            "ZADD src 3 a 2 b 1 c -1 d",
            "ZADD other 0 c",
            "ZDIFFSTORE zset:0 2 src other",
            "OBJECT ENCODING zset:0",
            "ZMPOP 1 zset:0 MIN COUNT 1",
            "EXPIRE zset:0 1000",
            "ZADD zset:0 inf e 1e308 e inf e -0 e",
            "OBJECT ENCODING zset:0",
            "ZSCORE zset:0 e",
            "ZRANGE zset:0 0 -1 WITHSCORES",
        ],
    );
    // A member too long for a listpack makes the result a skiplist; popping
    // it leaves a set that would fit a listpack, but it stays a skiplist
    // and keeps the `-0`.
    in_resp2_and_resp3(
        &mut p,
        &[
            "CONFIG SET zset-max-listpack-entries 128",
            "CONFIG SET zset-max-listpack-value 8",
            "ZADD src 3 a 2 b 1 c 9 member-too-long",
            "ZADD other 0 c",
            "ZDIFFSTORE zset:0 2 src other",
            "OBJECT ENCODING zset:0",
            "ZMPOP 1 zset:0 MAX COUNT 1",
            "OBJECT ENCODING zset:0",
            "EXPIRE zset:0 1000",
            "ZADD zset:0 inf e 1e308 e inf e -0 e",
            "OBJECT ENCODING zset:0",
            "ZSCORE zset:0 e",
            "ZMSCORE zset:0 e a",
            "ZRANGE zset:0 0 -1 WITHSCORES",
        ],
    );
    // Too many members for a listpack: the same, by the entries limit.
    in_resp2_and_resp3(
        &mut p,
        &[
            "CONFIG SET zset-max-listpack-entries 2",
            "CONFIG SET zset-max-listpack-value 64",
            "ZADD src 3 a 2 b 1 c -1 d",
            "ZDIFFSTORE zset:0 1 src",
            "OBJECT ENCODING zset:0",
            "ZMPOP 1 zset:0 MIN COUNT 3",
            "OBJECT ENCODING zset:0",
            "EXPIRE zset:0 1000",
            "ZADD zset:0 inf e 1e308 e inf e -0 e",
            "OBJECT ENCODING zset:0",
            "ZSCORE zset:0 e",
            "ZRANGE zset:0 0 -1 WITHSCORES",
        ],
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zadd_picks_the_new_sets_encoding_from_its_first_member() {
    let mut p = parity!();
    in_resp2_and_resp3(
        &mut p,
        &[
            "CONFIG SET zset-max-listpack-entries 128",
            "CONFIG SET zset-max-listpack-value 8",
            // Short first member: a listpack, whose -0 reads back as 0.
            "ZADD lp -0 a",
            "OBJECT ENCODING lp",
            "ZSCORE lp a",
            // Long first member: a skiplist from the start.
            "ZADD sl -0 member-too-long -0 a",
            "OBJECT ENCODING sl",
            "ZRANGE sl 0 -1 WITHSCORES",
            // Long second member: a listpack until it comes, then a
            // skiplist; the first -0 went through the listpack.
            "ZADD mixed -0 a -0 member-too-long -0 b",
            "OBJECT ENCODING mixed",
            "ZRANGE mixed 0 -1 WITHSCORES",
            // ZINCRBY creates as ZADD does; it replies the -0 it computed
            // whatever the encoding stores.
            "ZINCRBY inc -0 a",
            "OBJECT ENCODING inc",
            "ZSCORE inc a",
            "ZADD incl INCR -0 member-too-long",
            "OBJECT ENCODING incl",
            "ZSCORE incl member-too-long",
            // No listpack at all: every set starts as a skiplist.
            "CONFIG SET zset-max-listpack-entries 0",
            "ZADD zero -0 a",
            "OBJECT ENCODING zero",
            "ZSCORE zero a",
            "ZADD zero -0 b 1 c",
            "ZRANGE zero 0 -1 WITHSCORES",
        ],
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zadd_converts_to_skiplist_and_later_scores_keep_their_sign() {
    let mut p = parity!();
    in_resp2_and_resp3(
        &mut p,
        &[
            "CONFIG SET zset-max-listpack-entries 2",
            "CONFIG SET zset-max-listpack-value 64",
            "ZADD z -0 a -0 b",
            "OBJECT ENCODING z",
            // Updating a listpack member to -0 stores 0.
            "ZADD z 1 a",
            "ZADD z -0 a",
            "ZSCORE z a",
            // A third member converts: the listpack's zeros stay 0, the
            // new member keeps its -0.
            "ZADD z -0 c",
            "OBJECT ENCODING z",
            "ZRANGE z 0 -1 WITHSCORES",
            // Updates in the skiplist keep the sign; -0 and 0 are equal,
            // so re-adding one over the other changes nothing.
            "ZADD z 1 a",
            "ZADD z -0 a",
            "ZADD z CH -0 b",
            "ZADD z CH 0 c",
            "ZRANGE z 0 -1 WITHSCORES",
            "ZMSCORE z a b c",
            "ZADD z INCR -0 c",
            "ZADD z INCR 0 b",
            "ZRANGE z 0 -1 WITHSCORES",
            // Removing members does not turn it back.
            "ZREM z a b",
            "OBJECT ENCODING z",
            "ZADD z -0 d",
            "ZRANGE z 0 -1 WITHSCORES",
        ],
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn store_commands_make_small_results_listpacks() {
    let mut p = parity!();
    in_resp2_and_resp3(
        &mut p,
        &[
            "CONFIG SET zset-max-listpack-entries 0",
            "CONFIG SET zset-max-listpack-value 8",
            // Skiplist sources holding -0.
            "ZADD neg -1 a -2 b",
            "ZADD zeros -0 a -0 b -0 c",
            "ZADD long -0 member-too-long -0 a",
            "CONFIG SET zset-max-listpack-entries 3",
            // Fits: built as a skiplist, turned into a listpack, -0 lost.
            "ZUNIONSTORE u 1 neg WEIGHTS 0",
            "OBJECT ENCODING u",
            "ZRANGE u 0 -1 WITHSCORES",
            "ZINTERSTORE i 2 zeros zeros",
            "OBJECT ENCODING i",
            "ZRANGE i 0 -1 WITHSCORES",
            "ZDIFFSTORE d 2 zeros neg",
            "OBJECT ENCODING d",
            "ZRANGE d 0 -1 WITHSCORES",
            // Too long a member: stays a skiplist, -0 kept.
            "ZUNIONSTORE u 2 long neg WEIGHTS 1 0",
            "OBJECT ENCODING u",
            "ZRANGE u 0 -1 WITHSCORES",
            "ZINTERSTORE i 1 long",
            "OBJECT ENCODING i",
            "ZSCORE i member-too-long",
            "ZDIFFSTORE d 2 long neg",
            "OBJECT ENCODING d",
            "ZRANGE d 0 -1 WITHSCORES",
            // Too many members: stays a skiplist, -0 kept.
            "ZUNIONSTORE u 2 zeros neg WEIGHTS 1 0",
            "OBJECT ENCODING u",
            "ZRANGE u 0 -1 WITHSCORES",
            "ZDIFFSTORE d 1 u",
            "OBJECT ENCODING d",
            "ZRANGE d 0 -1 WITHSCORES",
            // Replies of the non-storing forms keep a computed -0.
            "ZUNION 1 neg WEIGHTS 0 WITHSCORES",
            "ZINTER 1 zeros WITHSCORES",
            // A result that fits replaces a skiplist destination with a
            // listpack.
            "ZUNIONSTORE u 1 zeros",
            "OBJECT ENCODING u",
            "ZRANGE u 0 -1 WITHSCORES",
        ],
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zrangestore_picks_its_destination_encoding_from_the_range() {
    let mut p = parity!();
    in_resp2_and_resp3(
        &mut p,
        &[
            "CONFIG SET zset-max-listpack-entries 0",
            "CONFIG SET zset-max-listpack-value 8",
            "ZADD src -0 a -0 b -0 c -0 d -0 e",
            "ZADD long -0 a -0 b -0 member-too-long",
            "CONFIG SET zset-max-listpack-entries 3",
            // A rank range longer than a listpack: a skiplist from the
            // start, every -0 kept.
            "ZRANGESTORE d src 0 -1",
            "OBJECT ENCODING d",
            "ZRANGE d 0 -1 WITHSCORES",
            // A short rank range: a listpack, -0 lost.
            "ZRANGESTORE d src 1 2",
            "OBJECT ENCODING d",
            "ZRANGE d 0 -1 WITHSCORES",
            "ZRANGESTORE d src 0 -1 REV",
            "OBJECT ENCODING d",
            "ZRANGE d 0 -1 WITHSCORES",
            // Score and lex ranges tell no length: a listpack that turns
            // into a skiplist at the fourth member, which keeps its -0.
            "ZRANGESTORE d src -inf +inf BYSCORE",
            "OBJECT ENCODING d",
            "ZRANGE d 0 -1 WITHSCORES",
            "ZRANGESTORE d src + - BYLEX REV",
            "OBJECT ENCODING d",
            "ZRANGE d 0 -1 WITHSCORES",
            "ZRANGESTORE d src -inf +inf BYSCORE LIMIT 1 3",
            "OBJECT ENCODING d",
            "ZRANGE d 0 -1 WITHSCORES",
            // A short range with a long member: converted when it comes.
            "ZRANGESTORE d long 0 -1",
            "OBJECT ENCODING d",
            "ZRANGE d 0 -1 WITHSCORES",
        ],
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn pops_removals_and_copies_keep_a_skiplist() {
    let mut p = parity!();
    in_resp2_and_resp3(
        &mut p,
        &[
            "CONFIG SET zset-max-listpack-entries 2",
            "CONFIG SET zset-max-listpack-value 64",
            "ZADD z 1 a 2 b 3 c 4 d 5 e 6 f",
            "ZPOPMIN z",
            "ZPOPMAX z 2",
            "ZMPOP 1 z MIN COUNT 1",
            "BZPOPMIN z 0",
            "OBJECT ENCODING z",
            "ZADD z -0 x",
            "ZRANGE z 0 -1 WITHSCORES",
            "ZREMRANGEBYSCORE z 1 10",
            "ZREMRANGEBYRANK z 5 10",
            "OBJECT ENCODING z",
            "ZADD z -0 y",
            "ZRANGE z 0 -1 WITHSCORES",
            // COPY keeps the encoding, and so the sign.
            "COPY z c",
            "OBJECT ENCODING c",
            "ZADD c -0 w",
            "ZRANGE c 0 -1 WITHSCORES",
            // Popping the last member deletes the key; the next ZADD starts
            // a listpack again.
            "ZPOPMIN c 10",
            "ZADD c -0 w",
            "OBJECT ENCODING c",
            "ZSCORE c w",
        ],
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn zscan_of_a_listpack_prints_scores_as_the_listpack_stores_them() {
    let mut p = parity!();
    // A listpack holds an integral score within ±2^62 as an integer and
    // ZSCAN copies it out as one (1e17 as 100000000000000000), while a
    // skiplist's scan and every other reply print a double.
    let scores = "ZADD z 1e17 a 4611686018427387904 b 1e19 c 123456789012345678 d \
                  -0 e 2.5 f 1e300 g -4611686018427387904 h 9007199254740993 i inf j -inf k";
    in_resp2_and_resp3(
        &mut p,
        &[
            "CONFIG SET zset-max-listpack-entries 128",
            "CONFIG SET zset-max-listpack-value 64",
            scores,
            "OBJECT ENCODING z",
            "ZSCAN z 0",
            "ZSCAN z 0 MATCH [abc]",
            "ZRANGE z 0 -1 WITHSCORES",
            "ZSCORE z a",
        ],
    );
    // The same scores in a skiplist, scanned one at a time (the order of a
    // skiplist's scan is the hash table's, so compare the pairs sorted).
    p.run_all(&[
        "FLUSHALL",
        "CONFIG SET zset-max-listpack-entries 0",
        scores,
        "OBJECT ENCODING z",
    ]);
    let (sim, real) = p.both("ZSCAN z 0 COUNT 100");
    let pairs = |reply: &[u8]| {
        let text = String::from_utf8_lossy(reply).into_owned();
        let lines: Vec<&str> = text.split("\r\n").collect();
        // *2, $1, 0, *22, then $len / value lines.
        let values: Vec<String> = lines
            .iter()
            .skip(4)
            .filter(|l| !l.starts_with('$') && !l.is_empty())
            .map(|l| l.to_string())
            .collect();
        let mut pairs: Vec<(String, String)> = values
            .chunks(2)
            .map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or_default()))
            .collect();
        pairs.sort();
        pairs
    };
    assert_eq!(pairs(&sim), pairs(&real));
    assert_eq!(pairs(&real).len(), 11);
}
