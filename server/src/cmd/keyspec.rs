//! The key arguments of a request, by its command's key specification:
//! what fault rules match key patterns against.
//!
//! The same positions COMMAND GETKEYS reports (the legacy first/last/step
//! triple, or the keys after a `numkeys` count), found leniently: a
//! malformed request yields the keys that can be found, never an error —
//! the command itself will answer the error when it runs.

use bytes::Bytes;

use super::CommandSpec;

impl CommandSpec {
    /// The arguments of `args` (command name first) that are keys.
    pub fn key_args<'a>(&self, args: &'a [Bytes]) -> Vec<&'a [u8]> {
        match self.name {
            "xread" => return streams_keys(args, 1),
            "xreadgroup" => return streams_keys(args, 4),
            _ => {}
        }
        if let Some(nk) = self.numkeys {
            let count = args
                .get(nk.at)
                .and_then(|a| crate::num::parse_i64(a))
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0);
            let mut keys = Vec::with_capacity(count + 1);
            if nk.dest_first {
                keys.extend(args.get(1).map(|k| &k[..]));
            }
            let first = nk.at + 1;
            let last = first.saturating_add(count).min(args.len());
            keys.extend(
                args.get(first..last)
                    .unwrap_or_default()
                    .iter()
                    .map(|k| &k[..]),
            );
            return keys;
        }
        let (first, last, step) = self.keys;
        if first <= 0 {
            return Vec::new();
        }
        let argc = args.len() as i64;
        let last = i64::from(last);
        let last = if last < 0 { argc + last } else { last };
        let step = i64::from(step).max(1) as usize;
        (i64::from(first)..=last.min(argc - 1))
            .step_by(step)
            .map(|i| &args[i as usize][..])
            .collect()
    }
}

/// XREAD's and XREADGROUP's keys: the first half of what follows the
/// first STREAMS keyword from argument `from` on (Redis's keyword key
/// specification: XREADGROUP's search starts past its group and consumer).
fn streams_keys(args: &[Bytes], from: usize) -> Vec<&[u8]> {
    let Some(at) = args
        .iter()
        .skip(from)
        .position(|a| a.eq_ignore_ascii_case(b"streams"))
    else {
        return Vec::new();
    };
    let rest = &args[from + at + 1..];
    rest[..rest.len() / 2].iter().map(|k| &k[..]).collect()
}

#[cfg(test)]
mod tests {
    use super::super::resolve;
    use bytes::Bytes;

    fn keys(line: &str) -> Vec<String> {
        let args: Vec<Bytes> = line
            .split(' ')
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        let spec = resolve(&args).unwrap();
        spec.key_args(&args)
            .iter()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect()
    }

    #[test]
    fn keys_by_position_step_and_count() {
        assert_eq!(keys("SET k v"), ["k"]);
        assert_eq!(keys("MSET a 1 b 2"), ["a", "b"]);
        assert_eq!(keys("DEL a b c"), ["a", "b", "c"]);
        assert_eq!(keys("BLPOP a b 0"), ["a", "b"]);
        assert_eq!(keys("PING"), Vec::<String>::new());
        assert_eq!(keys("EVAL body 2 k1 k2 arg"), ["k1", "k2"]);
        assert_eq!(keys("EVAL body 9 k1"), ["k1"]);
        assert_eq!(keys("EVAL body x k1"), Vec::<String>::new());
        assert_eq!(keys("ZUNIONSTORE d 2 a b"), ["d", "a", "b"]);
        assert_eq!(keys("OBJECT ENCODING k"), ["k"]);
        assert_eq!(keys("XREAD COUNT 2 STREAMS a b 0 0"), ["a", "b"]);
        assert_eq!(keys("XREADGROUP GROUP g c STREAMS a >"), ["a"]);
        assert_eq!(keys("XREADGROUP GROUP streams c STREAMS a >"), ["a"]);
        assert_eq!(keys("XREAD STREAMS a b c"), ["a"]);
    }
}
