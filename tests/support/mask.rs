//! Masking the parts of raw replies that differ between two servers by
//! nature (ids, addresses, ages, timestamps, durations), so that the rest
//! can be compared byte for byte: a reply is parsed into frames, the named
//! parts replaced by `*`, and encoded again (lengths follow).

/// One RESP2/RESP3 frame, kept close to the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A one-line frame (`+ - : , # _ (`), its type byte and text.
    Line(u8, Vec<u8>),
    /// A bulk frame (`$ = !`), its type byte and bytes (`None`: null).
    Blob(u8, Option<Vec<u8>>),
    /// An aggregate (`* ~ % > |`), its type byte and elements (a map's
    /// keys and values alternate); `None`: a null array.
    Agg(u8, Option<Vec<Frame>>),
}

/// Parses the first frame of `bytes`; returns it and its length.
pub fn parse(bytes: &[u8]) -> (Frame, usize) {
    let line_end = bytes
        .windows(2)
        .position(|w| w == b"\r\n")
        .expect("a complete frame");
    let kind = bytes[0];
    let text = bytes[1..line_end].to_vec();
    let header = line_end + 2;
    let number = || -> i64 { std::str::from_utf8(&text).unwrap().parse().unwrap() };
    match kind {
        b'$' | b'=' | b'!' => {
            let n = number();
            if n < 0 {
                return (Frame::Blob(kind, None), header);
            }
            let n = n as usize;
            (
                Frame::Blob(kind, Some(bytes[header..header + n].to_vec())),
                header + n + 2,
            )
        }
        b'*' | b'~' | b'%' | b'>' | b'|' => {
            let n = number();
            if n < 0 {
                return (Frame::Agg(kind, None), header);
            }
            let count = if matches!(kind, b'%' | b'|') {
                n * 2
            } else {
                n
            };
            let mut at = header;
            let mut items = Vec::new();
            for _ in 0..count {
                let (f, len) = parse(&bytes[at..]);
                items.push(f);
                at += len;
            }
            (Frame::Agg(kind, Some(items)), at)
        }
        _ => (Frame::Line(kind, text), header),
    }
}

/// Encodes a frame.
pub fn encode(f: &Frame) -> Vec<u8> {
    let mut out = Vec::new();
    match f {
        Frame::Line(k, t) => {
            out.push(*k);
            out.extend_from_slice(t);
            out.extend_from_slice(b"\r\n");
        }
        Frame::Blob(k, None) => {
            out.push(*k);
            out.extend_from_slice(b"-1\r\n");
        }
        Frame::Blob(k, Some(b)) => {
            out.push(*k);
            out.extend_from_slice(format!("{}\r\n", b.len()).as_bytes());
            out.extend_from_slice(b);
            out.extend_from_slice(b"\r\n");
        }
        Frame::Agg(k, None) => {
            out.push(*k);
            out.extend_from_slice(b"-1\r\n");
        }
        Frame::Agg(k, Some(items)) => {
            let n = if matches!(k, b'%' | b'|') {
                items.len() / 2
            } else {
                items.len()
            };
            out.push(*k);
            out.extend_from_slice(format!("{n}\r\n").as_bytes());
            for i in items {
                out.extend_from_slice(&encode(i));
            }
        }
    }
    out
}

fn text_of(f: &Frame) -> Option<&[u8]> {
    match f {
        Frame::Line(_, t) | Frame::Blob(_, Some(t)) => Some(t),
        _ => None,
    }
}

fn walk(f: &mut Frame, visit: &mut dyn FnMut(&mut Frame)) {
    visit(f);
    if let Frame::Agg(_, Some(items)) = f {
        for i in items {
            walk(i, visit);
        }
    }
}

/// `reply` with the element after each element equal to one of `keys`
/// (a map's value, or the next item of a RESP2 flat map) replaced by the
/// bulk string `*`.
pub fn mask_values_after(reply: &[u8], keys: &[&str]) -> Vec<u8> {
    let (mut f, _) = parse(reply);
    walk(&mut f, &mut |f| {
        if let Frame::Agg(_, Some(items)) = f {
            for i in 1..items.len() {
                let is_key =
                    text_of(&items[i - 1]).is_some_and(|t| keys.iter().any(|k| k.as_bytes() == t));
                if is_key {
                    items[i] = Frame::Blob(b'$', Some(b"*".to_vec()));
                }
            }
        }
    });
    encode(&f)
}

/// `reply` with every `name=value` of the named fields (in any string of
/// it, values ending at a blank) turned into `name=*`: CLIENT LIST lines,
/// ACL LOG's client-info.
pub fn mask_fields(reply: &[u8], names: &[&str]) -> Vec<u8> {
    let (mut f, _) = parse(reply);
    walk(&mut f, &mut |f| {
        if let Frame::Line(_, t) | Frame::Blob(_, Some(t)) = f {
            *t = mask_text(t, names);
        }
    });
    encode(&f)
}

fn mask_text(t: &[u8], names: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        // A word starts a line, follows a blank, or follows a verbatim
        // string's `txt:`.
        let at_word =
            i == 0 || t[i - 1] == b' ' || t[i - 1] == b'\n' || (i == 4 && t.starts_with(b"txt:"));
        let hit = at_word
            .then(|| {
                names
                    .iter()
                    .find(|n| t[i..].starts_with(n.as_bytes()) && t.get(i + n.len()) == Some(&b'='))
            })
            .flatten();
        match hit {
            Some(n) => {
                out.extend_from_slice(n.as_bytes());
                out.extend_from_slice(b"=*");
                i += n.len() + 1;
                while i < t.len() && t[i] != b' ' && t[i] != b'\n' {
                    i += 1;
                }
            }
            None => {
                out.push(t[i]);
                i += 1;
            }
        }
    }
    out
}

/// The fields of a CLIENT LIST line that differ between two servers by
/// nature: ids, addresses, ages, buffer figures.
pub const CLIENT_VARIABLE_FIELDS: &[&str] = &[
    "id",
    "addr",
    "laddr",
    "fd",
    "age",
    "idle",
    "qbuf",
    "qbuf-free",
    "argv-mem",
    "multi-mem",
    "rbs",
    "rbp",
    "obl",
    "oll",
    "omem",
    "tot-mem",
];

/// `reply` with every string of it (simple, error, bulk, verbatim)
/// replaced by what `f` makes of it.
pub fn map_strings(reply: &[u8], f: &mut dyn FnMut(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let (mut frame, _) = parse(reply);
    walk(&mut frame, &mut |fr| {
        if let Frame::Line(b'+' | b'-', t) | Frame::Blob(_, Some(t)) = fr {
            *t = f(t);
        }
    });
    encode(&frame)
}

/// ACL rules with each run of single-command rules (`+get -set …`)
/// sorted: Redis lists them in the order of its command hash table, which
/// changes from one process to the next.
pub fn sort_command_rules(rules: &[u8]) -> Vec<u8> {
    let words: Vec<&[u8]> = rules.split(|&c| c == b' ').collect();
    let is_single =
        |w: &[u8]| w.len() > 1 && (w[0] == b'+' || w[0] == b'-') && w[1] != b'@' && w[0] != b'(';
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !is_single(words[i]) {
            out.push(words[i].to_vec());
            i += 1;
            continue;
        }
        let start = i;
        while i < words.len() && is_single(words[i]) {
            let ends_selector = words[i].ends_with(b")");
            i += 1;
            if ends_selector {
                break;
            }
        }
        let mut run: Vec<Vec<u8>> = words[start..i].iter().map(|w| w.to_vec()).collect();
        let closes = run.last().is_some_and(|w| w.ends_with(b")"));
        if closes && let Some(last) = run.last_mut() {
            last.pop();
        }
        run.sort();
        if closes && let Some(last) = run.last_mut() {
            last.push(b')');
        }
        out.extend(run);
    }
    out.join(&b' ')
}
