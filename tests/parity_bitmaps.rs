//! Parity with real Redis 7.0: the bitmap commands SETBIT, GETBIT,
//! BITCOUNT, BITPOS, BITOP, BITFIELD and BITFIELD_RO.
//!
//! Every command is sent to redsim and to a real redis-server and the raw
//! replies must be identical, errors included. Besides the hand-written
//! cases, seeded random sweeps compare ranges and bitfield operations in
//! bulk, since the edge cases of bit ranges are too many to list.

use support::{Pair, parity};

/// Makes `key` a list on both servers, for WRONGTYPE checks. `false` when
/// redsim does not have lists yet (the list family lands separately), in
/// which case the caller skips its wrong-type checks.
fn make_list(pair: &mut Pair, key: &str) -> bool {
    let (sim, real) = pair.both(&format!("RPUSH {key} a"));
    assert_eq!(real, b":1\r\n", "real Redis refused RPUSH");
    if sim.starts_with(b"-ERR unknown command") {
        eprintln!("SKIPPED wrong-type parity: redsim has no lists yet");
        return false;
    }
    assert_eq!(sim, real);
    true
}

/// A deterministic generator (64-bit LCG) for the random sweeps.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn setbit_grows_the_string_with_zero_bytes_and_returns_the_old_bit() {
    let mut p = parity!();
    p.run_all(&[
        "SETBIT k 7 1",
        "GET k",
        "SETBIT k 7 1",
        "SETBIT k 7 0",
        "GET k",
        "SETBIT k 100 1",
        "GET k",
        "GETBIT k 100",
        "GETBIT k 99",
        "SETBIT k 0 1",
        "SETBIT k 1 1",
        "SETBIT k 6 1",
        "GET k",
        "SETBIT k 100 0",
        "GET k",
        "SETBIT K2 0 0",
        "GET K2",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn setbit_and_getbit_on_existing_strings_and_integers() {
    let mut p = parity!();
    p.run_all(&[
        "SET s foobar",
        "GETBIT s 0",
        "GETBIT s 1",
        "GETBIT s 2",
        "GETBIT s 47",
        "GETBIT s 48",
        "GETBIT s 4294967295",
        "SETBIT s 47 1",
        "GET s",
        "SET n 123",
        "GETBIT n 2",
        "GETBIT n 3",
        "GETBIT n 23",
        "GETBIT n 24",
        "SETBIT n 0 0",
        "GET n",
        "SETBIT n 7 1",
        "GET n",
        "SET neg -1",
        "SETBIT neg 23 1",
        "GET neg",
        "GETBIT missing 0",
        "GETBIT missing 4294967295",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn setbit_and_getbit_argument_errors() {
    let mut p = parity!();
    p.run_all(&[
        "SETBIT k -1 1",
        "SETBIT k abc 1",
        "SETBIT k 4294967296 1",
        "SETBIT k 9223372036854775807 1",
        "SETBIT k 9223372036854775808 1",
        "SETBIT k #1 1",
        "SETBIT k +1 1",
        "SETBIT k 01 1",
        "SETBIT k \" 1\" 1",
        "SETBIT k \"\" 1",
        "SETBIT k 1.0 1",
        "SETBIT k 0 2",
        "SETBIT k 0 -1",
        "SETBIT k 0 a",
        "SETBIT k 0 \"\"",
        "SETBIT k 0 01",
        "SETBIT k 0 1.0",
        "SETBIT k -1 2",
        "SETBIT k abc xyz",
        "GETBIT k -1",
        "GETBIT k abc",
        "GETBIT k 4294967296",
        "GETBIT k #0",
        "GET k",
        "GET k",
        "SETBIT",
        "SETBIT k",
        "SETBIT k 0",
        "SETBIT k 0 1 1",
        "GETBIT k",
        "GETBIT k 0 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bit_offsets_are_limited_by_proto_max_bulk_len() {
    let mut p = parity!();
    p.run_all(&[
        "GETBIT k 4294967295",
        "GETBIT k 4294967296",
        "CONFIG SET proto-max-bulk-len 1048576",
        "GETBIT k 8388607",
        "GETBIT k 8388608",
        "SETBIT k 8388608 1",
        "SETBIT k 8388607 1",
        "BITCOUNT k",
        "BITPOS k 1",
        "BITPOS k 0 -1",
        "BITFIELD k GET u8 8388600",
        "BITFIELD k GET u8 8388608",
        "BITFIELD k GET i64 #131071",
        "BITFIELD k GET i64 #131072",
        "BITFIELD k SET u8 8388607 255",
        "BITCOUNT k",
        "BITCOUNT k -2 -1",
        "DEL k",
        "BITFIELD k SET u2 8388607 3",
        "BITCOUNT k -2 -1",
        "BITPOS k 1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitcount_whole_string_and_byte_ranges() {
    let mut p = parity!();
    p.run_all(&[
        "SET s foobar",
        "BITCOUNT s",
        "BITCOUNT s 0 0",
        "BITCOUNT s 1 1",
        "BITCOUNT s 0 -1",
        "BITCOUNT s -1 -1",
        "BITCOUNT s -2 -1",
        "BITCOUNT s 2 1",
        "BITCOUNT s 5 100",
        "BITCOUNT s 6 100",
        "BITCOUNT s -100 100",
        "BITCOUNT s -100 -7",
        "BITCOUNT s -10 -20",
        "BITCOUNT s -20 -10",
        "BITCOUNT s 1 -100",
        "BITCOUNT s 0 -1 BYTE",
        "BITCOUNT s 1 3 byte",
        "BITCOUNT s -9223372036854775808 9223372036854775807",
        "BITCOUNT s 9223372036854775807 -9223372036854775808",
        "SET n 1234567",
        "BITCOUNT n",
        "BITCOUNT n 1 2",
        "SET e \"\"",
        "BITCOUNT e",
        "BITCOUNT e 0 -1",
        "BITCOUNT e 0 0 BIT",
        "BITCOUNT missing",
        "BITCOUNT missing 0 -1 BIT",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitcount_bit_ranges() {
    let mut p = parity!();
    p.run_all(&[
        "SET s foobar",
        "BITCOUNT s 0 -1 BIT",
        "BITCOUNT s 5 30 BIT",
        "BITCOUNT s 5 31 BIT",
        "BITCOUNT s 5 30 bit",
        "BITCOUNT s 1 1 BIT",
        "BITCOUNT s 0 7 BIT",
        "BITCOUNT s 3 4 BIT",
        "BITCOUNT s 9 9 BIT",
        "BITCOUNT s -1 -1 BIT",
        "BITCOUNT s -8 -1 BIT",
        "BITCOUNT s -13 -3 BIT",
        "BITCOUNT s 47 47 BIT",
        "BITCOUNT s 47 1000 BIT",
        "BITCOUNT s 48 1000 BIT",
        "BITCOUNT s 10 5 BIT",
        "BITCOUNT s -1000 3 BIT",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitcount_syntax_and_number_errors_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "SET s foobar",
        "BITCOUNT s 1",
        "BITCOUNT s 1 2 BIT extra",
        "BITCOUNT s 0 1 2 3 4",
        "BITCOUNT s 0 -1 bits",
        "BITCOUNT s 0 -1 \"\"",
        "BITCOUNT s a 1",
        "BITCOUNT s 1 a",
        "BITCOUNT s a 1 foo",
        "BITCOUNT s 1 a foo",
        "BITCOUNT s 1 -2 foo",
        // Both negative and reversed: 0 before the unit is even read.
        "BITCOUNT s -1 -2 foo",
        "BITCOUNT s 1.5 2",
        "BITCOUNT s 9223372036854775808 1",
        // A missing key answers 0 before any argument is read.
        "BITCOUNT missing 1",
        "BITCOUNT missing a b",
        "BITCOUNT missing 0 1 foo",
        "BITCOUNT missing 0 1 2 3 4",
        "BITCOUNT",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitpos_finds_set_and_clear_bits() {
    let mut p = parity!();
    p.run_args(&[b"SET", b"s", b"\xff\xf0\x00"]);
    p.run_all(&[
        "BITPOS s 0",
        "BITPOS s 1",
        "BITPOS s 1 1",
        "BITPOS s 1 2",
        "BITPOS s 0 0 0",
        "BITPOS s 0 1 -1",
        "BITPOS s 1 2 -1",
        "BITPOS s 1 -1",
        "BITPOS s 1 -10 -20",
        "BITPOS s 0 -10 -20",
        "BITPOS s 0 5 1",
        "BITPOS s 1 7 15 BIT",
        "BITPOS s 0 7 15 BIT",
        "BITPOS s 0 0 11 BIT",
        "BITPOS s 0 0 12 bit",
        "BITPOS s 1 12 100 BIT",
        "BITPOS s 0 3 3 BIT",
        "BITPOS s 1 3 3 BIT",
        "BITPOS s 0 -1 -1 BIT",
        "BITPOS s 0 -12 -1 BIT",
        "BITPOS s 1 0 -1 BYTE",
        "BITPOS s 1 -9223372036854775808 9223372036854775807 BIT",
    ]);
    p.run_args(&[b"SET", b"z", b"\x00\x00\x00"]);
    p.run_all(&[
        "BITPOS z 1",
        "BITPOS z 0",
        "BITPOS z 1 1 2",
        "BITPOS z 1 3 20 BIT",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitpos_for_zero_in_all_ones_depends_on_an_explicit_end() {
    let mut p = parity!();
    p.run_args(&[b"SET", b"ones", b"\xff\xff\xff"]);
    p.run_all(&[
        "BITPOS ones 0",
        "BITPOS ones 0 0",
        "BITPOS ones 0 1",
        "BITPOS ones 0 -1",
        "BITPOS ones 0 0 -1",
        "BITPOS ones 0 0 2",
        "BITPOS ones 0 0 100",
        "BITPOS ones 0 0 -1 BYTE",
        "BITPOS ones 0 0 -1 BIT",
        "BITPOS ones 0 3 20 BIT",
        "BITPOS ones 1",
        "BITPOS ones 1 2",
        "BITPOS ones 0 3",
        "BITPOS ones 0 100",
    ]);
    p.run_args(&[b"SET", b"long", &[0xffu8; 100]]);
    p.run_all(&[
        "BITPOS long 0",
        "BITPOS long 0 50",
        "BITPOS long 0 0 -1",
        "BITPOS long 0 8 799 BIT",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitpos_on_missing_empty_and_integer_values() {
    let mut p = parity!();
    p.run_all(&[
        "BITPOS missing 0",
        "BITPOS missing 1",
        "BITPOS missing 0 5",
        "BITPOS missing 1 5 10 BIT",
        // A missing key answers before the range is read.
        "BITPOS missing 1 a b c d",
        "BITPOS missing 0 a",
        "SET e \"\"",
        "BITPOS e 0",
        "BITPOS e 1",
        "BITPOS e 0 0",
        "BITPOS e 0 0 -1",
        "BITPOS e 0 0 -1 BIT",
        "SET n 255",
        "BITPOS n 1",
        "BITPOS n 0",
        "BITPOS n 0 1 2",
        "BITPOS n 1 9 23 BIT",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitpos_argument_errors_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "SET s foobar",
        "BITPOS s 2",
        "BITPOS s -1",
        "BITPOS s a",
        "BITPOS s 01",
        "BITPOS missing 2",
        "BITPOS missing a",
        "BITPOS s 1 a",
        "BITPOS s 1 0 a",
        "BITPOS s 1 0 1 bits",
        // The unit is read before the end.
        "BITPOS s 1 0 x foo",
        "BITPOS s 1 0 x BIT",
        "BITPOS s 1 0 1 2 3",
        "BITPOS s 1 0 1 BIT x",
        "BITPOS s 1 1.5",
        "BITPOS s",
        "BITPOS",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitop_and_or_xor_not_over_strings_of_different_lengths() {
    let mut p = parity!();
    p.run_args(&[b"SET", b"a", b"\xff\x0f\xaa"]);
    p.run_args(&[b"SET", b"b", b"\xf0\xff"]);
    p.run_args(&[b"SET", b"c", b"\x00\x01\x02\x03\x04"]);
    p.run_all(&[
        "BITOP AND d a b",
        "GET d",
        "BITOP OR d a b",
        "GET d",
        "BITOP XOR d a b",
        "GET d",
        "BITOP XOR d a b c",
        "GET d",
        "BITOP AND d a b c",
        "GET d",
        "BITOP OR d a b c",
        "GET d",
        "BITOP NOT d a",
        "GET d",
        "BITOP NOT d c",
        "GET d",
        "BITOP and d a",
        "GET d",
        "BITOP oR d a",
        "GET d",
        "BITOP Xor d a a",
        "GET d",
        "BITOP AND a a b",
        "GET a",
        "SET n 42",
        "BITOP OR d n c",
        "GET d",
        "BITOP NOT n n",
        "GET n",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitop_treats_missing_keys_as_zero_strings() {
    let mut p = parity!();
    p.run_args(&[b"SET", b"a", b"\xff\xff"]);
    p.run_all(&[
        "BITOP AND d a missing",
        "GET d",
        "BITOP OR d missing a",
        "GET d",
        "BITOP XOR d a missing",
        "GET d",
        "BITOP AND d missing a",
        "GET d",
        "BITOP NOT d missing",
        "GET d",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitop_deletes_the_destination_when_the_result_is_empty() {
    let mut p = parity!();
    p.run_all(&[
        "SET d old",
        "BITOP OR d missing1 missing2",
        "GET d",
        "GET d",
        "SET e \"\"",
        "SET d old",
        "BITOP AND d e missing",
        "GET d",
        "BITOP NOT d e",
        "GET d",
        "BITOP XOR nothing missing",
        "GET nothing",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitop_errors() {
    let mut p = parity!();
    p.run_all(&[
        "SET a x",
        "BITOP NOT d a b",
        "BITOP NOT d missing1 missing2",
        "BITOP FOO d a",
        "BITOP ANDX d a",
        "BITOP DIFF d a b",
        "BITOP ONE d a b",
        "BITOP \"\" d a",
        "BITOP AND d",
        "BITOP NOT d",
        "BITOP",
        "GET d",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitfield_get_set_incrby_signed_and_unsigned() {
    let mut p = parity!();
    p.run_all(&[
        "BITFIELD k SET i8 0 -100",
        "BITFIELD k GET i8 0",
        "BITFIELD k GET u8 0",
        "BITFIELD k GET u4 0",
        "BITFIELD k GET i4 4",
        "GET k",
        "BITFIELD k INCRBY i8 0 10",
        "BITFIELD k INCRBY u8 0 10",
        "BITFIELD k SET u5 7 23",
        "GET k",
        "BITFIELD k GET u5 7",
        "BITFIELD k SET i64 3 -1",
        "GET k",
        "BITFIELD k GET i64 3",
        "BITFIELD k GET u63 4",
        "BITFIELD k GET u63 3",
        "BITFIELD k GET i1 0",
        "BITFIELD k GET u1 0",
        "BITFIELD k GET i64 100",
        "BITFIELD k SET i64 0 -9223372036854775808",
        "BITFIELD k GET i64 0",
        "BITFIELD k SET u63 0 9223372036854775807",
        "BITFIELD k GET u63 0",
        "BITFIELD k GET i64 0",
        "SET s foobar",
        "BITFIELD s GET u8 0 GET u8 8 GET i16 4 GET u32 44",
        "SET n 255",
        "BITFIELD n GET u8 0 GET u16 8",
        "BITFIELD n INCRBY u8 0 1",
        "GET n",
        "BITFIELD missing GET u8 0",
        "GET missing",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitfield_multiple_operations_and_positional_offsets() {
    let mut p = parity!();
    p.run_all(&[
        "BITFIELD k SET u8 #0 1 SET u8 #1 2 SET u8 #2 3 GET u8 #1 INCRBY u8 #2 100",
        "GET k",
        "BITFIELD k GET u16 #1 GET i4 #3 GET u8 #0",
        "BITFIELD k set u8 0 255 get u8 0 incrby u8 0 1 get u8 0",
        "BITFIELD k SET i3 #5 3 GET i3 #5 GET u3 15",
        "GET k",
        "BITFIELD k",
        "BITFIELD missing",
        "BITFIELD k OVERFLOW SAT",
        "BITFIELD k GET i4 #4611686018427387904",
        "BITFIELD k GET i2 #4611686018427387904",
        "BITFIELD k GET i8 #-1",
        "BITFIELD k GET i8 #",
        "BITFIELD k GET i8 ##1",
        "BITFIELD k GET i8 #+1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitfield_overflow_wrap_sat_fail_at_type_boundaries() {
    let mut p = parity!();
    p.run_all(&[
        // u8
        "BITFIELD k SET u8 0 250",
        "BITFIELD k INCRBY u8 0 10",
        "BITFIELD k SET u8 0 250 OVERFLOW SAT INCRBY u8 0 10",
        "BITFIELD k SET u8 0 250 OVERFLOW FAIL INCRBY u8 0 10",
        "BITFIELD k GET u8 0",
        "BITFIELD k SET u8 0 5 OVERFLOW WRAP INCRBY u8 0 -10",
        "BITFIELD k SET u8 0 5 OVERFLOW SAT INCRBY u8 0 -10",
        "BITFIELD k SET u8 0 5 OVERFLOW FAIL INCRBY u8 0 -10",
        "BITFIELD k OVERFLOW WRAP SET u8 0 256 GET u8 0",
        "BITFIELD k OVERFLOW SAT SET u8 0 256 GET u8 0",
        "BITFIELD k OVERFLOW FAIL SET u8 0 256 GET u8 0",
        "BITFIELD k OVERFLOW WRAP SET u8 0 -1 GET u8 0",
        "BITFIELD k OVERFLOW SAT SET u8 0 -1 GET u8 0",
        "BITFIELD k OVERFLOW FAIL SET u8 0 -1 GET u8 0",
        // i8
        "BITFIELD k SET i8 0 120 INCRBY i8 0 10",
        "BITFIELD k SET i8 0 120 OVERFLOW SAT INCRBY i8 0 10",
        "BITFIELD k SET i8 0 120 OVERFLOW FAIL INCRBY i8 0 10",
        "BITFIELD k SET i8 0 -120 INCRBY i8 0 -10",
        "BITFIELD k SET i8 0 -120 OVERFLOW SAT INCRBY i8 0 -10",
        "BITFIELD k SET i8 0 -120 OVERFLOW FAIL INCRBY i8 0 -10",
        "BITFIELD k OVERFLOW WRAP SET i8 0 128 SET i8 0 -129 GET i8 0",
        "BITFIELD k OVERFLOW SAT SET i8 0 128 SET i8 0 -129 GET i8 0",
        "BITFIELD k OVERFLOW FAIL SET i8 0 128 SET i8 0 -129 GET i8 0",
        "BITFIELD k OVERFLOW SAT SET i8 0 -9223372036854775808 GET i8 0",
        "BITFIELD k OVERFLOW SAT SET i8 0 -4611686018427387904 GET i8 0",
        "BITFIELD k OVERFLOW SAT SET i8 0 9223372036854775807 GET i8 0",
        "BITFIELD k OVERFLOW WRAP SET i8 0 -9223372036854775808 GET i8 0",
        "BITFIELD k OVERFLOW SAT SET i8 0 0 INCRBY i8 0 9223372036854775807",
        "BITFIELD k OVERFLOW SAT SET i8 0 0 INCRBY i8 0 -9223372036854775808",
        "BITFIELD k OVERFLOW WRAP SET i8 0 -1 INCRBY i8 0 -9223372036854775808",
        // i64
        "BITFIELD k SET i64 0 9223372036854775807 INCRBY i64 0 1",
        "BITFIELD k SET i64 0 9223372036854775807 OVERFLOW SAT INCRBY i64 0 1",
        "BITFIELD k SET i64 0 9223372036854775807 OVERFLOW FAIL INCRBY i64 0 1",
        "BITFIELD k SET i64 0 -9223372036854775808 INCRBY i64 0 -1",
        "BITFIELD k SET i64 0 -9223372036854775808 OVERFLOW SAT INCRBY i64 0 -1",
        "BITFIELD k SET i64 0 -9223372036854775808 OVERFLOW FAIL INCRBY i64 0 -1",
        "BITFIELD k SET i64 0 -5 OVERFLOW FAIL INCRBY i64 0 9223372036854775807",
        "BITFIELD k SET i64 0 5 OVERFLOW FAIL INCRBY i64 0 -9223372036854775808",
        "BITFIELD k SET i64 0 1 OVERFLOW SAT INCRBY i64 0 9223372036854775807",
        // u63
        "BITFIELD k SET u63 0 9223372036854775807 INCRBY u63 0 1",
        "BITFIELD k SET u63 0 9223372036854775807 OVERFLOW SAT INCRBY u63 0 1",
        "BITFIELD k SET u63 0 9223372036854775807 OVERFLOW FAIL INCRBY u63 0 1",
        "BITFIELD k SET u63 0 0 INCRBY u63 0 -1",
        "BITFIELD k SET u63 0 0 OVERFLOW SAT INCRBY u63 0 -1",
        "BITFIELD k OVERFLOW WRAP SET u63 0 -1 GET u63 0",
        "BITFIELD k OVERFLOW SAT SET u63 0 -1 GET u63 0",
        "BITFIELD k OVERFLOW FAIL SET u63 0 -1 GET u63 0",
        "BITFIELD k SET u63 0 1 INCRBY u63 0 -9223372036854775808",
        // 1-bit fields
        "BITFIELD k SET i1 0 0 INCRBY i1 0 1 INCRBY i1 0 -1 INCRBY i1 0 -1",
        "BITFIELD k OVERFLOW SAT SET i1 0 1 GET i1 0 SET i1 0 -2 GET i1 0",
        "BITFIELD k SET u1 0 1 INCRBY u1 0 1 OVERFLOW SAT INCRBY u1 0 5 OVERFLOW FAIL INCRBY u1 0 1",
        // OVERFLOW applies to the operations after it only.
        "BITFIELD k SET u2 0 3 INCRBY u2 0 1 OVERFLOW FAIL INCRBY u2 0 5 OVERFLOW SAT INCRBY u2 0 5 OVERFLOW wrap INCRBY u2 0 5",
        "BITFIELD k overflow fail overflow Sat incrby u4 0 100",
        "GET k",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitfield_fail_leaves_the_value_and_still_creates_the_key() {
    let mut p = parity!();
    p.run_all(&[
        "BITFIELD k OVERFLOW FAIL INCRBY u2 100 10",
        "GET k",
        "GET k",
        "BITFIELD k OVERFLOW FAIL SET i8 200 1000 GET i8 200",
        "GET k",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitfield_argument_errors_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "BITFIELD k GET u64 0",
        "BITFIELD k GET i65 0",
        "BITFIELD k GET i0 0",
        "BITFIELD k GET u0 0",
        "BITFIELD k GET I8 0",
        "BITFIELD k GET U8 0",
        "BITFIELD k GET i08 0",
        "BITFIELD k GET i+8 0",
        "BITFIELD k GET i-8 0",
        "BITFIELD k GET i 0",
        "BITFIELD k GET \"\" 0",
        "BITFIELD k GET x8 0",
        "BITFIELD k GET i8 -1",
        "BITFIELD k GET i8 abc",
        "BITFIELD k GET i8 4294967296",
        "BITFIELD k GET i8 4294967295",
        "BITFIELD k SET i8 0 abc",
        "BITFIELD k SET i8 0 1.5",
        "BITFIELD k SET i8 0 9223372036854775808",
        "BITFIELD k INCRBY i8 0 abc",
        "BITFIELD k SET i8 abc xyz",
        "BITFIELD k SET u64 abc xyz",
        "BITFIELD k GET",
        "BITFIELD k GET i8",
        "BITFIELD k SET i8 0",
        "BITFIELD k INCRBY i8 0",
        "BITFIELD k OVERFLOW",
        "BITFIELD k OVERFLOW FOO",
        "BITFIELD k OVERFLOW FOO GET i8 0",
        "BITFIELD k FOO",
        "BITFIELD k GET i8 0 FOO",
        // Errors anywhere refuse the whole command: nothing is written.
        "BITFIELD k SET u8 0 255 GET u64 0",
        "BITFIELD k SET u8 0 255 SET u8",
        "GET k",
        "BITFIELD",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bitfield_ro_reads_and_refuses_writes() {
    let mut p = parity!();
    p.run_all(&[
        "SET k foobar",
        "BITFIELD_RO k GET u8 0",
        "BITFIELD_RO k GET u8 0 GET i16 #1 GET u4 100",
        "BITFIELD_RO k",
        "BITFIELD_RO missing GET u8 0",
        "BITFIELD_RO k SET u8 0 1",
        "BITFIELD_RO k INCRBY u8 0 1",
        "BITFIELD_RO k GET u8 0 INCRBY u8 0 1",
        "BITFIELD_RO k OVERFLOW SAT GET u8 0",
        "BITFIELD_RO k OVERFLOW SAT INCRBY u8 0 1",
        "BITFIELD_RO missing SET u8 0 1",
        // Argument errors come before the read-only refusal.
        "BITFIELD_RO k SET u64 0 1",
        "BITFIELD_RO k SET u8 0 x",
        "BITFIELD_RO k GET u8",
        "BITFIELD_RO k FOO",
        "GET missing",
        "GET k",
        "BITFIELD_RO",
        "bitfield_ro k get u8 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn keywords_stop_at_a_nul_byte_as_in_c() {
    let mut p = parity!();
    p.run_args(&[b"SET", b"s", b"foobar"]);
    p.run_args(&[b"BITCOUNT", b"s", b"0", b"-1", b"bit\x00x"]);
    p.run_args(&[b"BITCOUNT", b"s", b"0", b"-1", b"\x00bit"]);
    p.run_args(&[b"BITPOS", b"s", b"1", b"0", b"-1", b"byte\x00"]);
    p.run_args(&[b"BITOP", b"and\x00junk", b"d", b"s"]);
    p.run_args(&[b"GET", b"d"]);
    p.run_args(&[b"BITFIELD", b"s", b"get\x00x", b"u8", b"0"]);
    p.run_args(&[b"BITFIELD", b"s", b"GET", b"u8\x00zz", b"8"]);
    p.run_args(&[b"BITFIELD", b"s", b"GET", b"u\x008", b"8"]);
    p.run_args(&[
        b"BITFIELD",
        b"s",
        b"OVERFLOW",
        b"sat\x00",
        b"INCRBY",
        b"u8",
        b"0",
        b"1000",
    ]);
    p.run_args(&[b"BITFIELD", b"s", b"GET", b"u8", b"8\x00"]);
    p.run_args(&[b"SETBIT", b"s", b"1\x00", b"1"]);
    p.run_args(&[b"SETBIT", b"s", b"1", b"1\x00"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn binary_values_and_keys() {
    let mut p = parity!();
    let key: &[u8] = b"k\x00\xff\r\n";
    p.run_args(&[b"SET", key, b"\x00\xff\x80\x01\r\n\x00"]);
    p.run_args(&[b"BITCOUNT", key]);
    p.run_args(&[b"BITPOS", key, b"1"]);
    p.run_args(&[b"BITPOS", key, b"0", b"1"]);
    p.run_args(&[b"GETBIT", key, b"8"]);
    p.run_args(&[b"SETBIT", key, b"9", b"0"]);
    p.run_args(&[
        b"BITFIELD",
        key,
        b"GET",
        b"i16",
        b"4",
        b"SET",
        b"u3",
        b"20",
        b"5",
    ]);
    p.run_args(&[b"BITOP", b"NOT", key, key]);
    p.run_args(&[b"GET", key]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn wrong_type_errors_and_their_order() {
    let mut p = parity!();
    if !make_list(&mut p.pair, "l") {
        return;
    }
    p.run_all(&[
        "SET s foobar",
        "SETBIT l 0 1",
        "SETBIT l -1 1",
        "SETBIT l 0 2",
        "GETBIT l 0",
        "GETBIT l -1",
        "BITCOUNT l",
        "BITCOUNT l 0 -1",
        "BITCOUNT l a b",
        "BITCOUNT l 1",
        "BITCOUNT l 0 1 foo",
        "BITPOS l 1",
        "BITPOS l 2",
        "BITPOS l 1 a",
        "BITPOS l 1 0 1 2 3",
        "BITOP AND d s l",
        "BITOP AND d l missing",
        "BITOP NOT d l l",
        "BITOP FOO d l",
        "GET d",
        "BITOP OR l s",
        "GET l",
        "RPUSH l2 a",
        "BITOP AND l2 missing",
        "GET l2",
        "BITFIELD l GET u8 0",
        "BITFIELD l SET u8 0 1",
        "BITFIELD l",
        "BITFIELD l GET u64 0",
        "BITFIELD_RO l GET u8 0",
        "BITFIELD_RO l SET u8 0 1",
        "BITFIELD_RO l",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_replies_including_bitfield_nils() {
    let mut p = parity!();
    p.pair.resp3();
    p.run_all(&[
        "SETBIT k 3 1",
        "GETBIT k 3",
        "BITCOUNT k",
        "BITPOS k 1",
        "BITOP NOT d k",
        "BITFIELD k OVERFLOW FAIL INCRBY u8 0 1000 GET u8 0 INCRBY i8 0 -1000 SET u4 0 16",
        "BITFIELD k OVERFLOW WRAP INCRBY u8 0 1000",
        "BITFIELD k",
        "BITFIELD_RO k GET u8 0",
        "BITFIELD_RO k SET u8 0 1",
        "BITCOUNT k 1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn commands_are_case_insensitive_and_check_arity() {
    let mut p = parity!();
    p.run_all(&[
        "setbit k 1 1",
        "GetBit k 1",
        "bitcount k 0 -1 Bit",
        "BitPos k 1 0 -1 bYtE",
        "bitop Not d k",
        "bitfield k Get u8 0 OverFlow Fail IncrBy u8 0 1",
        "GETBIT",
        "BITCOUNT",
        "BITPOS k",
        "BITOP AND",
        "BITOP AND d",
        "BITFIELD",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn large_bitmaps_count_and_search_across_words() {
    let mut p = parity!();
    p.run_all(&[
        "SETBIT big 800000 1",
        "SETBIT big 799999 1",
        "SETBIT big 13 1",
        "BITCOUNT big",
        "BITCOUNT big 1 -1",
        "BITCOUNT big 14 799999 BIT",
        "BITPOS big 1",
        "BITPOS big 1 2",
        "BITPOS big 1 14 -1 BIT",
        "BITPOS big 0",
        "BITPOS big 1 100001",
        "BITOP NOT inv big",
        "BITCOUNT inv",
        "BITPOS inv 0",
        "BITPOS inv 0 2",
        "BITPOS inv 1 99999 -1",
        "BITOP AND both big inv",
        "BITCOUNT both",
        "BITOP XOR both big inv",
        "BITCOUNT both",
        "BITFIELD big GET u63 799990 GET i64 #12499",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn random_ranges_match_redis() {
    let mut p = parity!();
    let mut rng = Lcg(0x5eed_b176);
    let units = ["", "BYTE", "BIT"];
    for round in 0..40 {
        let len = rng.below(40) as usize;
        // Random bytes, all ones, all zeros, and ones with random gaps.
        let value: Vec<u8> = (0..len)
            .map(|i| match round % 4 {
                0 => rng.next() as u8,
                1 => 0xff,
                2 => 0x00,
                _ if i % 5 == 0 => rng.next() as u8,
                _ => 0xff,
            })
            .collect();
        p.run_args(&[b"SET", b"r", &value]);
        let span = (len as i64) * 8 + 10;
        for _ in 0..30 {
            let start = rng.range(-span, span);
            let end = rng.range(-span, span);
            let unit = *rng.pick(&units);
            let bit = rng.below(2);
            let range = format!("{start} {end} {unit}");
            p.run(&format!("BITCOUNT r {range}"));
            p.run(&format!("BITPOS r {bit} {range}"));
            p.run(&format!("BITPOS r {bit} {start}"));
        }
        p.run("BITPOS r 0");
        p.run("BITPOS r 1");
        p.run("BITCOUNT r");
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn random_bitfield_operations_match_redis() {
    let mut p = parity!();
    let mut rng = Lcg(0xb17f_1e1d);
    let boundaries = [
        "0",
        "1",
        "-1",
        "127",
        "128",
        "-128",
        "-129",
        "255",
        "256",
        "32767",
        "-32768",
        "65535",
        "2147483647",
        "-2147483648",
        "4294967295",
        "9223372036854775807",
        "-9223372036854775808",
        "4611686018427387904",
        "-4611686018427387905",
    ];
    let modes = ["WRAP", "SAT", "FAIL"];
    for _ in 0..300 {
        let mut cmd = String::from("BITFIELD f");
        for _ in 0..rng.range(1, 4) {
            let signed = rng.below(2) == 0;
            let bits = if signed {
                rng.range(1, 64)
            } else {
                rng.range(1, 63)
            };
            let ty = format!("{}{bits}", if signed { 'i' } else { 'u' });
            let offset = if rng.below(4) == 0 {
                format!("#{}", rng.below(8))
            } else {
                rng.below(80).to_string()
            };
            let value = if rng.below(2) == 0 {
                rng.pick(&boundaries).to_string()
            } else {
                rng.range(-300, 300).to_string()
            };
            match rng.below(4) {
                0 => cmd += &format!(" GET {ty} {offset}"),
                1 => cmd += &format!(" SET {ty} {offset} {value}"),
                2 => cmd += &format!(" INCRBY {ty} {offset} {value}"),
                _ => cmd += &format!(" OVERFLOW {}", rng.pick(&modes)),
            }
        }
        p.run(&cmd);
    }
    p.run("GET f");
}

/// `keyspace_hits` and `keyspace_misses` from an INFO reply.
fn hits_and_misses(info: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(info)
        .lines()
        .filter(|l| l.starts_with("keyspace_hits:") || l.starts_with("keyspace_misses:"))
        .map(str::to_owned)
        .collect()
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn reads_count_keyspace_hits_and_misses_and_writes_do_not() {
    let mut p = parity!();
    p.run_all(&[
        "SET s foobar",
        "GETBIT s 1",
        "GETBIT missing 1",
        "GETBIT s -1",
        "BITCOUNT s",
        "BITCOUNT missing 0 1",
        "BITCOUNT s 1",
        "BITPOS s 1",
        "BITPOS missing 0",
        "BITPOS s 5",
        "BITOP AND d s missing s",
        "BITOP NOT d2 missing",
        "BITFIELD s GET u8 0",
        "BITFIELD missing GET u8 0",
        "BITFIELD s SET u8 0 1 GET u8 0",
        "BITFIELD_RO s GET u8 0",
        "BITFIELD_RO s SET u8 0 1",
        "SETBIT s 0 1",
        "SETBIT new 0 1",
    ]);
    let (sim, real) = p.both("INFO stats");
    assert_eq!(hits_and_misses(&sim), hits_and_misses(&real));
    assert_eq!(hits_and_misses(&real).len(), 2);
}
