//! A sentinel's TCP side: the listener, one task per connection, and the
//! pub/sub its events go out on (SUBSCRIBE, PSUBSCRIBE and their
//! opposites, in RESP2 and RESP3).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Handle;
use tokio::sync::broadcast;

use super::Inner;
use crate::cmd::is;
use crate::protocol::{Limits, Out, RequestDecoder, Resp};

/// Binds `port` on 127.0.0.1 and serves connections until the sentinel
/// is dropped.
pub(super) fn listen(
    inner: &Arc<Inner>,
    port: u16,
    runtime: &Handle,
) -> std::io::Result<SocketAddr> {
    let std_listener = crate::handle::bind_listener(SocketAddr::from(([127, 0, 0, 1], port)), 511)?;
    let addr = std_listener.local_addr()?;
    let _enter = runtime.enter();
    let listener = TcpListener::from_std(std_listener)?;
    let weak = Arc::downgrade(inner);
    runtime.spawn(async move {
        loop {
            let Some(inner) = weak.upgrade() else {
                return;
            };
            let accepted = tokio::select! {
                a = listener.accept() => a,
                () = inner.closed.notified() => return,
            };
            if inner.is_closed.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            if let Ok((stream, _)) = accepted {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(Arc::clone(&inner), stream));
            }
        }
    });
    Ok(addr)
}

/// One client's subscriptions.
#[derive(Default)]
struct Subs {
    channels: BTreeSet<Vec<u8>>,
    patterns: BTreeSet<Vec<u8>>,
}

impl Subs {
    fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }
}

async fn serve(inner: Arc<Inner>, mut stream: TcpStream) {
    let mut events = inner.events.subscribe();
    let mut decoder = RequestDecoder::new();
    let mut input = BytesMut::with_capacity(4096);
    let mut out = Out::default();
    let mut subs = Subs::default();
    loop {
        tokio::select! {
            read = stream.read_buf(&mut input) => match read {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            event = events.recv() => match event {
                Ok((channel, message)) => deliver(&subs, &channel, &message, &mut out),
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            () = inner.closed.notified() => return,
        }
        let mut quit = false;
        loop {
            match decoder.decode(&mut input, &Limits::default()) {
                Ok(Some(args)) => {
                    if handle(&inner, &args, &mut out, &mut subs) {
                        quit = true;
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    out.error(&e.reply_text());
                    quit = true;
                    break;
                }
            }
        }
        if !out.is_empty() {
            if stream.write_all(out.as_bytes()).await.is_err() {
                return;
            }
            out.clear();
        }
        if quit {
            return;
        }
    }
}

fn deliver(subs: &Subs, channel: &str, message: &str, out: &mut Out) {
    let push = |out: &mut Out, n: usize| {
        if out.resp() == Resp::V3 {
            out.push(n);
        } else {
            out.array(n);
        }
    };
    if subs.channels.contains(channel.as_bytes()) {
        push(out, 3);
        out.bulk(b"message");
        out.bulk(channel.as_bytes());
        out.bulk(message.as_bytes());
    }
    for p in &subs.patterns {
        if crate::glob::matches(p, channel.as_bytes(), false) {
            push(out, 4);
            out.bulk(b"pmessage");
            out.bulk(p);
            out.bulk(channel.as_bytes());
            out.bulk(message.as_bytes());
        }
    }
}

/// Answers one command; true when the connection must close.
fn handle(inner: &Inner, args: &[Bytes], out: &mut Out, subs: &mut Subs) -> bool {
    let name = &args[0][..];
    let push = |out: &mut Out, n: usize| {
        if out.resp() == Resp::V3 {
            out.push(n);
        } else {
            out.array(n);
        }
    };
    if is(name, "ping") {
        if subs.count() > 0 && out.resp() == Resp::V2 {
            out.array(2);
            out.bulk(b"pong");
            out.bulk(args.get(1).map_or(&b""[..], |a| &a[..]));
        } else if let Some(m) = args.get(1) {
            out.bulk(m);
        } else {
            out.simple("PONG");
        }
    } else if is(name, "sentinel") {
        inner.sentinel(args, out);
    } else if is(name, "subscribe") || is(name, "psubscribe") {
        let pattern = is(name, "psubscribe");
        for a in &args[1..] {
            let set = if pattern {
                &mut subs.patterns
            } else {
                &mut subs.channels
            };
            set.insert(a.to_vec());
            push(out, 3);
            out.bulk(if pattern { b"psubscribe" } else { b"subscribe" });
            out.bulk(a);
            out.int(subs.count() as i64);
        }
    } else if is(name, "unsubscribe") || is(name, "punsubscribe") {
        let pattern = is(name, "punsubscribe");
        let kind: &[u8] = if pattern {
            b"punsubscribe"
        } else {
            b"unsubscribe"
        };
        let names: Vec<Vec<u8>> = if args.len() > 1 {
            args[1..].iter().map(|a| a.to_vec()).collect()
        } else if pattern {
            subs.patterns.iter().cloned().collect()
        } else {
            subs.channels.iter().cloned().collect()
        };
        if names.is_empty() {
            push(out, 3);
            out.bulk(kind);
            out.null();
            out.int(subs.count() as i64);
        }
        for n in names {
            if pattern {
                subs.patterns.remove(&n);
            } else {
                subs.channels.remove(&n);
            }
            push(out, 3);
            out.bulk(kind);
            out.bulk(&n);
            out.int(subs.count() as i64);
        }
    } else if is(name, "info") {
        out.verbatim("txt", inner.info().as_bytes());
    } else if is(name, "role") {
        inner.role(out);
    } else if is(name, "hello") {
        let v3 = args.get(1).is_some_and(|v| &v[..] == b"3");
        out.set_resp(if v3 { Resp::V3 } else { Resp::V2 });
        out.map(3);
        out.bulk(b"server");
        out.bulk(b"redis");
        out.bulk(b"version");
        out.bulk(crate::version::REDIS_VERSION.as_bytes());
        out.bulk(b"mode");
        out.bulk(b"sentinel");
    } else if is(name, "client") || is(name, "auth") || is(name, "select") {
        out.ok();
    } else if is(name, "quit") {
        out.ok();
        return true;
    } else {
        let text = format!(
            "ERR unknown command '{}', with args beginning with: ",
            String::from_utf8_lossy(name)
        );
        out.error(&text);
    }
    false
}
