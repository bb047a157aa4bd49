//! Parity with Redis 7.0.15: every case in `testdata/*.jsonl` was run as
//! `EVAL <prelude><lua> 0` on a real server, each in a fresh Lua VM
//! (`SCRIPT FLUSH`), and the reply recorded — `ok` for a reply (bulk
//! strings as text, or `HEX:` and their bytes when not UTF-8; integers as
//! numbers), `err` for an error (its text before Redis's
//! ` script: <sha>, on @user_script:N.` suffix). Here each case runs in a
//! fresh `mlua` state with the libraries installed, under the chunk name
//! Redis gives scripts, and must give the same.

use mlua::{Lua, Value};

use super::install;

/// Defines `hex(s)` for the byte-level cases; on the first line, so line
/// numbers in error positions are the script's own.
const PRELUDE: &str = "local function hex(s) local t={} for i=1,#s do \
    t[#t+1]=string.format('%02x',s:byte(i)) end return table.concat(t) end ";

/// A state with the libraries, as a script sees it.
fn state() -> Lua {
    let lua = Lua::new();
    install(&lua).expect("install");
    lua
}

/// The text of a library error: the innermost cause's message.
fn error_text(e: &mlua::Error) -> String {
    match e {
        mlua::Error::CallbackError { cause, .. } => error_text(cause),
        // Errors raised by Lua code itself come with mlua's traceback.
        mlua::Error::RuntimeError(msg) => msg
            .split("\nstack traceback:")
            .next()
            .unwrap_or(msg)
            .to_string(),
        other => other.to_string(),
    }
}

/// Runs a script and renders its result as the probe recorded Redis's
/// reply: strings as text (or hex), numbers truncated to integers (Redis's
/// Lua-to-RESP conversion), nil as "nil".
fn run(lua: &Lua, src: &str) -> Result<String, String> {
    run_with(lua, PRELUDE, src)
}

/// [`run`] with another prelude (joined into one line, as the probe sent it).
fn run_with(lua: &Lua, prelude: &str, src: &str) -> Result<String, String> {
    let prelude = prelude.replace('\n', " ");
    let v = lua
        .load(format!("{prelude}{src}"))
        .set_name("@user_script")
        .eval::<Value>()
        .map_err(|e| error_text(&e))?;
    Ok(match v {
        Value::String(s) => {
            let b = s.as_bytes().to_vec();
            match String::from_utf8(b.clone()) {
                Ok(s) => s,
                Err(_) => format!(
                    "HEX:{}",
                    b.iter().map(|x| format!("{x:02x}")).collect::<String>()
                ),
            }
        }
        Value::Integer(i) => i.to_string(),
        // Redis casts to long long: out of range gives i64::MIN.
        Value::Number(n) => super::capi::c_long(n).to_string(),
        // A caught library error (mlua's wrapped error value): its text.
        Value::Error(e) => error_text(&e),
        Value::Nil | Value::Boolean(false) => "nil".into(),
        Value::Boolean(true) => "1".into(),
        other => format!("<{}>", other.type_name()),
    })
}

/// A recorded case: the script and Redis's answer.
struct Case {
    lua: String,
    want: Result<String, String>,
}

/// Reads one JSON string literal starting at `s[*i]` (a `"`).
fn json_string(s: &[char], i: &mut usize) -> String {
    let mut out = String::new();
    *i += 1;
    while s[*i] != '"' {
        if s[*i] == '\\' {
            *i += 1;
            match s[*i] {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let hex = |at: usize| {
                        let h: String = s[at..at + 4].iter().collect();
                        u32::from_str_radix(&h, 16).expect("hex")
                    };
                    let mut cp = hex(*i + 1);
                    *i += 4;
                    if (0xD800..0xDC00).contains(&cp) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (hex(*i + 3) - 0xDC00);
                        *i += 6;
                    }
                    out.push(char::from_u32(cp).expect("code point"));
                }
                c => out.push(c),
            }
        } else {
            out.push(s[*i]);
        }
        *i += 1;
    }
    *i += 1;
    out
}

/// Parses the probe's JSON lines: `{"lua": "...", "ok"|"err": value}`.
fn cases(jsonl: &str) -> Vec<Case> {
    let mut out = Vec::new();
    for line in jsonl.lines().filter(|l| !l.trim().is_empty()) {
        let s: Vec<char> = line.chars().collect();
        let mut i = s.iter().position(|&c| c == ':').expect("lua key") + 2;
        let lua = json_string(&s, &mut i);
        let rest: String = s[i..].iter().collect();
        let ok = rest.starts_with(", \"ok\": ");
        let mut j = i + 8 + usize::from(!ok);
        let value = if s[j] == '"' {
            json_string(&s, &mut j)
        } else {
            let v: String = s[j..s.len() - 1].iter().collect();
            if v == "null" { "nil".into() } else { v }
        };
        out.push(Case {
            lua,
            want: if ok { Ok(value) } else { Err(value) },
        });
    }
    out
}

/// Runs every case of a data file, each in a fresh state; reports all
/// mismatches at once.
fn check_file(name: &str, jsonl: &str) {
    check_file_with(name, PRELUDE, jsonl);
}

/// [`check_file`] with another prelude.
fn check_file_with(name: &str, prelude: &str, jsonl: &str) {
    let all = cases(jsonl);
    assert!(!all.is_empty(), "{name}: no cases");
    let mut bad = Vec::new();
    for case in &all {
        let got = run_with(&state(), prelude, &case.lua);
        if got != case.want {
            bad.push(format!(
                "{}\n    want {:?}\n    got  {:?}",
                case.lua, case.want, got
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{name}: {} of {} cases differ:\n{}",
        bad.len(),
        all.len(),
        bad.join("\n")
    );
}

#[test]
fn cjson_encode_matches_redis() {
    check_file("cjson_encode", include_str!("testdata/cjson_encode.jsonl"));
}

#[test]
fn cjson_decode_matches_redis() {
    check_file("cjson_decode", include_str!("testdata/cjson_decode.jsonl"));
}

#[test]
fn cjson_config_matches_redis() {
    check_file("cjson_config", include_str!("testdata/cjson_config.jsonl"));
}

#[test]
fn cjson_nesting_limits_match_redis() {
    check_file("cjson_deep", include_str!("testdata/cjson_deep.jsonl"));
}

#[test]
fn bit_matches_redis() {
    check_file("bit", include_str!("testdata/bit.jsonl"));
}

#[test]
fn struct_matches_redis() {
    check_file("struct", include_str!("testdata/struct.jsonl"));
}

#[test]
fn cmsgpack_matches_redis() {
    check_file("cmsgpack", include_str!("testdata/cmsgpack.jsonl"));
}

/// The random cases ran on fresh servers, one each, except the second,
/// which continued the first's sequence.
#[test]
fn random_matches_redis() {
    let all = cases(include_str!("testdata/random.jsonl"));
    let lua = state();
    for (i, case) in all.iter().enumerate() {
        let lua = if i < 2 { lua.clone() } else { state() };
        assert_eq!(run(&lua, &case.lua), case.want, "{}", case.lua);
    }
}

#[test]
fn random_sequence_of_a_fresh_server() {
    let lua = state();
    let r = |src: &str| run(&lua, &format!("return tostring({src})")).expect(src);
    // Measured on a fresh Redis 7.0.15.
    assert_eq!(r("math.random()"), "0.39646477363839");
    assert_eq!(r("math.random(10)"), "9");
    assert_eq!(r("math.random(5,8)"), "6");
    assert_eq!(r("math.random()"), "0.44658343468168");
    // A state carried to a new Lua state continues the same sequence.
    let saved = super::random_state(&lua).expect("state");
    let next = r("math.random()");
    let fresh = state();
    super::set_random_state(&fresh, saved).expect("restore");
    let again = run(&fresh, "return tostring(math.random())").expect("draw");
    assert_eq!(again, next);
}

#[test]
fn random_state_is_per_lua_state() {
    let (a, b) = (state(), state());
    run(&a, "math.randomseed(42)").expect("seed");
    assert_eq!(
        run(&a, "return tostring(math.random())"),
        Ok("0.74452500033403".into())
    );
    assert_eq!(
        run(&b, "return tostring(math.random())"),
        Ok("0.39646477363839".into())
    );
}

#[test]
fn cjson_null_is_a_null_light_userdata() {
    let lua = state();
    let v: Value = lua.load("return cjson.null").eval().expect("null");
    assert!(matches!(v, Value::LightUserData(p) if p.0.is_null()));
    assert_eq!(run(&lua, "return type(cjson.null)"), Ok("userdata".into()));
    assert_eq!(
        run(
            &lua,
            "return tostring(cjson.decode('[null]')[1] == cjson.null)"
        ),
        Ok("true".into())
    );
}

#[test]
fn cjson_settings_last_for_the_state_and_new_tables_are_independent() {
    let lua = state();
    run(&lua, "cjson.encode_number_precision(3)").expect("set");
    assert_eq!(run(&lua, "return cjson.encode(3.14159)"), Ok("3.14".into()));
    assert_eq!(
        run(&lua, "return cjson.new().encode(3.14159)"),
        Ok("3.14159".into())
    );
    assert_eq!(run(&lua, "return cjson.encode(3.14159)"), Ok("3.14".into()));
}

#[test]
fn errors_are_catchable_and_carry_redis_text() {
    let lua = state();
    // Through pcall the caller is C, so there is no position prefix.
    let src = "local ok, e = pcall(cjson.decode, '[1,') return tostring(ok)";
    assert_eq!(run(&lua, src), Ok("false".into()));
    let err = lua
        .load("return cjson.decode('[1,')")
        .set_name("@user_script")
        .eval::<Value>();
    let text = error_text(&err.expect_err("decode error"));
    assert_eq!(
        text,
        "user_script:1: Expected value but found T_END at character 4"
    );
}

#[test]
fn large_inputs_do_not_exhaust_references() {
    let lua = state();
    // Wide and deep structures round-trip without holding a reference per
    // element or per level.
    let src = "local t = {} for i = 1, 20000 do t['k'..i] = {i, tostring(i)} end \
               local s = cjson.encode(t) local u = cjson.decode(s) \
               local m = cmsgpack.unpack(cmsgpack.pack(u)) return tostring(#cjson.encode(m) == #s)";
    assert_eq!(run(&lua, src), Ok("true".into()));
    let deep = "cjson.decode_max_depth(100000) cjson.encode_max_depth(100000) \
                local s = string.rep('[', 7000) .. string.rep(']', 7000) \
                return tostring(#cjson.encode(cjson.decode(s)))";
    assert_eq!(run(&lua, deep), Ok("14000".into()));
}

#[test]
fn edge_cases_match_redis() {
    check_file("extra", include_str!("testdata/extra.jsonl"));
}

/// Generated inputs (mutated MessagePack and JSON, random tables, struct
/// formats and bit arguments), each rendered by a serializer in the
/// prelude; recorded on Redis like the others.
#[test]
fn generated_cases_match_redis() {
    check_file_with(
        "fuzz",
        include_str!("testdata/fuzz_prelude.lua"),
        include_str!("testdata/fuzz.jsonl"),
    );
}
