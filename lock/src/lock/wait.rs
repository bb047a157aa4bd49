//! [`Wakeups`]: waiting for a lock by pub/sub, as Redisson does, instead
//! of polling it.
//!
//! One pub/sub connection serves every lock that is handed the same
//! `Wakeups`: a waiter subscribes to its lock's release channel (a key
//! beside the lock, same hash tag: [`cluster::sibling`](crate::cluster::sibling)
//! with `:released`), tries again once subscribed (so that a release
//! between its failed attempt and the subscription is not missed), and
//! then sleeps until a release script's `PUBLISH` wakes it — or until the
//! lock's PTTL, the fallback timer that covers a message that never came
//! (pub/sub delivers at most once: a subscriber that reconnects loses what
//! was published meanwhile) and a holder that died and let its key
//! expire, which publishes nothing. Channels are unsubscribed when their
//! last waiter leaves.
//!
//! What a message wakes is its payload: `1` one waiter of this process (a
//! lock or a permit was freed: one of them may take it), `all` every one
//! (a read-write lock's readers may all go, permits were added), `to:<id>`
//! the waiter registered as `id` (a fair lock's next in line). A waiter
//! woken for a release it then fails to take goes back to sleep; one
//! cancelled before it could try passes its wake-up on.
//!
//! This module owns the pub/sub connection and its reader task, not the
//! acquire loop (`acquire.rs`) that uses them.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use parking_lot::Mutex;
use redis::aio::ConnectionLike;
use redis::{Msg, RedisResult, Value};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The payload that wakes every waiter.
pub(crate) const WAKE_ALL: &str = "all";

/// The release channel of the lock `name`.
pub(crate) fn channel(name: &str) -> String {
    crate::cluster::sibling(name, ":released")
}

/// A pub/sub connection shared by waiting locks: give it to a lock kind
/// (`wake_on`) and that kind's `acquire` sleeps until a release wakes it
/// instead of polling with the retry policy. Clones share the connection;
/// it closes when the last clone (and the last waiter using it) is
/// dropped.
///
/// Made from a `redis::Client` ([`Wakeups::connect`], a dedicated
/// connection that reconnects and resubscribes by itself, waking every
/// waiter after a reconnect since messages may have been lost), or from a
/// connection that buffers its pushes instead of waking anyone, such as
/// redsim's in-process `LocalConnection` ([`Wakeups::polling`]).
///
/// Open it on the server the locks use (messages published on one server
/// reach only its subscribers; a cluster broadcasts them to every node).
/// Without one, locks poll with their [`RetryPolicy`](crate::RetryPolicy),
/// as they also do for the rest of an acquire whose subscription failed.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use redsim_lock::{ReentrantLock, Wakeups};
///
/// let server = redsim::Server::start()?;
/// let wakeups = Wakeups::connect(&server.client()).await?;
/// let lock = ReentrantLock::new(server.connection(), "report").wake_on(&wakeups);
/// let held = lock.owner().acquire().await?;
/// let waiter = tokio::spawn({
///     let me = lock.owner();
///     async move { me.acquire().await.map(|g| g.token().to_string()) }
/// });
/// tokio::task::yield_now().await;
/// held.release().await?; // publishes: the waiter wakes at once
/// assert!(waiter.await?.is_ok());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Wakeups {
    hub: Arc<Hub>,
}

impl std::fmt::Debug for Wakeups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let channels = self.hub.channels.lock();
        f.debug_struct("Wakeups")
            .field("channels", &channels.map.keys().collect::<Vec<_>>())
            .finish()
    }
}

struct Hub {
    channels: Arc<Mutex<Channels>>,
    control: mpsc::UnboundedSender<Control>,
    reader: JoinHandle<()>,
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

#[derive(Default)]
struct Channels {
    map: BTreeMap<String, Channel>,
    next_entry: u64,
}

/// One subscribed channel and the waiters of this process on it.
struct Channel {
    /// Tells a subscription from the one before it on the same channel.
    entry: u64,
    /// Listeners (waiting or trying).
    refs: usize,
    /// Wake-ups not yet taken: one per waiter that may go (at most one per
    /// listener, so that stale ones cost at most one spurious attempt).
    permits: usize,
    /// Listeners registered under an id, and how many.
    ids: BTreeMap<Arc<str>, usize>,
    /// Ids woken by name, not yet taken.
    addressed: BTreeSet<Arc<str>>,
    notify: Arc<Notify>,
    ready: watch::Sender<Ready>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ready {
    Pending,
    Yes,
    Failed,
}

enum Control {
    Subscribe { channel: String, entry: u64 },
    Unsubscribe { channel: String },
}

impl Channel {
    /// Applies a message's payload.
    fn deliver(&mut self, payload: &[u8]) {
        if payload == WAKE_ALL.as_bytes() {
            self.permits = self.refs;
            self.addressed.extend(self.ids.keys().cloned());
        } else if let Some(id) = payload.strip_prefix(b"to:") {
            let id = String::from_utf8_lossy(id);
            if let Some((id, _)) = self.ids.get_key_value(&*id) {
                self.addressed.insert(Arc::clone(id));
            }
        } else {
            let n = std::str::from_utf8(payload)
                .ok()
                .and_then(|s| s.parse::<usize>().ok())
                .unwrap_or(1);
            self.permits = (self.permits + n).min(self.refs);
        }
        self.notify.notify_waiters();
    }

    fn wake_all(&mut self) {
        self.deliver(WAKE_ALL.as_bytes());
    }
}

/// Where messages come from: a pub/sub connection with a reader.
trait Source: Send + 'static {
    /// Subscribes; resolves once the server confirmed.
    fn subscribe(&mut self, channel: &str) -> impl Future<Output = RedisResult<()>> + Send;
    /// Unsubscribes.
    fn unsubscribe(&mut self, channel: &str) -> impl Future<Output = RedisResult<()>> + Send;
    /// The next message; `None` once the connection is gone. Cancel-safe.
    fn next(&mut self) -> impl Future<Output = Option<Msg>> + Send;
    /// Opens a new connection after the last one was lost (no
    /// subscriptions). `Err` if it cannot (try again later) or never can.
    fn reconnect(&mut self) -> impl Future<Output = Result<(), Reconnect>> + Send;
}

enum Reconnect {
    Later,
    Never,
}

/// A dedicated pub/sub connection from a `redis::Client`.
struct ClientSource {
    client: redis::Client,
    sink: redis::aio::PubSubSink,
    stream: redis::aio::PubSubStream,
}

impl Source for ClientSource {
    async fn subscribe(&mut self, channel: &str) -> RedisResult<()> {
        self.sink.subscribe(channel).await
    }

    async fn unsubscribe(&mut self, channel: &str) -> RedisResult<()> {
        self.sink.unsubscribe(channel).await
    }

    async fn next(&mut self) -> Option<Msg> {
        self.stream.next().await
    }

    async fn reconnect(&mut self) -> Result<(), Reconnect> {
        let (sink, stream) = self
            .client
            .get_async_pubsub()
            .await
            .map_err(|_| Reconnect::Later)?
            .split();
        self.sink = sink;
        self.stream = stream;
        Ok(())
    }
}

/// A connection whose pushes wait in a buffer until drained.
struct PolledSource<C, F> {
    conn: C,
    drain: F,
    every: Duration,
    subscribed: usize,
    buffered: VecDeque<Msg>,
}

impl<C, F> Source for PolledSource<C, F>
where
    C: ConnectionLike + Send + 'static,
    F: FnMut() -> Vec<Value> + Send + 'static,
{
    async fn subscribe(&mut self, channel: &str) -> RedisResult<()> {
        redis::cmd("SUBSCRIBE")
            .arg(channel)
            .query_async::<Value>(&mut self.conn)
            .await?;
        self.subscribed += 1;
        Ok(())
    }

    async fn unsubscribe(&mut self, channel: &str) -> RedisResult<()> {
        self.subscribed = self.subscribed.saturating_sub(1);
        redis::cmd("UNSUBSCRIBE")
            .arg(channel)
            .query_async::<Value>(&mut self.conn)
            .await?;
        Ok(())
    }

    async fn next(&mut self) -> Option<Msg> {
        loop {
            // Drained and popped with no await between: cancelling this
            // future (at the sleep) loses nothing.
            if let Some(m) = self.buffered.pop_front() {
                return Some(m);
            }
            if self.subscribed > 0 {
                let drained = (self.drain)();
                self.buffered
                    .extend(drained.into_iter().filter_map(Msg::from_owned_value));
                if let Some(m) = self.buffered.pop_front() {
                    return Some(m);
                }
                tokio::time::sleep(self.every).await;
            } else {
                // Nothing to poll for: wait for a subscription (the reader's
                // select drops this future when one comes).
                std::future::pending::<()>().await;
            }
        }
    }

    async fn reconnect(&mut self) -> Result<(), Reconnect> {
        Err(Reconnect::Never)
    }
}

impl Wakeups {
    /// A dedicated pub/sub connection opened from `client` (real Redis,
    /// redsim over TCP, anything the `redis` crate reaches). If it is
    /// lost, it is reopened in the background (backoff from 50 ms to 5 s),
    /// every channel is subscribed again, and every waiter is woken to try
    /// again; waiters rely on their fallback timers meanwhile.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// let server = redsim::Server::start()?;
    /// let wakeups = redsim_lock::Wakeups::connect(&server.client()).await?;
    /// # drop(wakeups);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// When the connection cannot be opened.
    pub async fn connect(client: &redis::Client) -> RedisResult<Wakeups> {
        let (sink, stream) = client.get_async_pubsub().await?.split();
        Ok(Self::start(ClientSource {
            client: client.clone(),
            sink,
            stream,
        }))
    }

    /// Pub/sub over a connection that buffers its pushes instead of
    /// delivering them: `conn` sends SUBSCRIBE and UNSUBSCRIBE, `drain`
    /// takes the messages delivered since it was last called, and it is
    /// called every `every` while some channel is subscribed (never
    /// otherwise). Draining is no round trip to the server; only the
    /// wake-up latency is `every`. This is how tests on redsim's
    /// in-process connection, under Tokio's paused time, wait by pub/sub:
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), redsim_lock::LockError> {
    /// use std::time::Duration;
    /// use redsim_lock::{ReentrantLock, Wakeups};
    ///
    /// let server = redsim::Server::builder().clock(redsim::TokioClock::new()).start().unwrap();
    /// let subscriber = server.connection();
    /// let wakeups = Wakeups::polling(
    ///     subscriber.clone(),
    ///     move || subscriber.pushes(),
    ///     Duration::from_millis(1),
    /// );
    /// let lock = ReentrantLock::new(server.connection(), "job").wake_on(&wakeups);
    /// let guard = lock.owner().acquire().await?;
    /// # drop(guard);
    /// # Ok(()) }
    /// ```
    ///
    /// A lost connection is not reopened: waiters fall back to their
    /// timers, and later acquires to polling.
    ///
    /// # Panics
    /// Outside a Tokio runtime (it spawns its reader).
    pub fn polling<C, F>(conn: C, drain: F, every: Duration) -> Wakeups
    where
        C: ConnectionLike + Send + 'static,
        F: FnMut() -> Vec<Value> + Send + 'static,
    {
        Self::start(PolledSource {
            conn,
            drain,
            every: every.max(Duration::from_micros(1)),
            subscribed: 0,
            buffered: VecDeque::new(),
        })
    }

    fn start(source: impl Source) -> Wakeups {
        let channels = Arc::new(Mutex::new(Channels::default()));
        let (control, commands) = mpsc::unbounded_channel();
        let reader = tokio::spawn(read(source, Arc::clone(&channels), commands));
        Wakeups {
            hub: Arc::new(Hub {
                channels,
                control,
                reader,
            }),
        }
    }

    /// Registers a waiter on `channel` (as `id`, for addressed wake-ups),
    /// subscribing if it is the first, and resolves once the subscription
    /// is confirmed. `None` if it failed.
    pub(crate) async fn listen(&self, channel: &str, id: Option<Arc<str>>) -> Option<Listener> {
        let (mut ready, listener) = {
            let mut channels = self.hub.channels.lock();
            let next_entry = channels.next_entry;
            let ch = channels
                .map
                .entry(channel.to_string())
                .or_insert_with(|| Channel {
                    entry: next_entry,
                    refs: 0,
                    permits: 0,
                    ids: BTreeMap::new(),
                    addressed: BTreeSet::new(),
                    notify: Arc::new(Notify::new()),
                    ready: watch::Sender::new(Ready::Pending),
                });
            let entry = ch.entry;
            if entry == next_entry {
                channels.next_entry += 1;
            }
            let ch = channels.map.get_mut(channel).expect("just inserted");
            ch.refs += 1;
            if let Some(id) = &id {
                *ch.ids.entry(Arc::clone(id)).or_insert(0) += 1;
            }
            if ch.refs == 1 && *ch.ready.borrow() == Ready::Pending {
                // Sent under the lock: the reader sees subscriptions and
                // unsubscriptions in the order they were decided.
                let sent = self.hub.control.send(Control::Subscribe {
                    channel: channel.to_string(),
                    entry,
                });
                if sent.is_err() {
                    // The reader is gone (its connection cannot be
                    // reopened): poll instead, without waiting for it.
                    ch.ready.send_replace(Ready::Failed);
                }
            }
            let listener = Listener {
                hub: Arc::clone(&self.hub),
                channel: channel.to_string(),
                entry,
                id,
                notify: Arc::clone(&ch.notify),
                woken: false,
            };
            (ch.ready.subscribe(), listener)
        };
        match ready.wait_for(|r| *r != Ready::Pending).await.map(|r| *r) {
            Ok(Ready::Yes) => Some(listener),
            _ => None,
        }
    }
}

/// The reader task: runs subscriptions in order, delivers messages,
/// reconnects.
async fn read(
    mut source: impl Source,
    channels: Arc<Mutex<Channels>>,
    mut commands: mpsc::UnboundedReceiver<Control>,
) {
    loop {
        let event = tokio::select! {
            biased;
            command = commands.recv() => match command {
                Some(c) => Some(c),
                None => return,
            },
            msg = source.next() => match msg {
                Some(msg) => {
                    let mut channels = channels.lock();
                    if let Some(ch) = channels.map.get_mut(msg.get_channel_name()) {
                        ch.deliver(msg.get_payload_bytes());
                    }
                    None
                }
                None => {
                    if !reconnect(&mut source, &channels).await {
                        return;
                    }
                    None
                }
            },
        };
        match event {
            Some(Control::Subscribe { channel, entry }) => {
                let result = source.subscribe(&channel).await;
                let mut channels = channels.lock();
                let current = channels.map.get(&channel).map(|c| c.entry);
                if current == Some(entry) {
                    if result.is_ok() {
                        channels.map[&channel].ready.send_replace(Ready::Yes);
                    } else {
                        tracing::debug!(channel, "subscribing failed");
                        let ch = channels.map.remove(&channel).expect("present");
                        ch.ready.send_replace(Ready::Failed);
                    }
                }
            }
            Some(Control::Unsubscribe { channel }) => {
                let result = source.unsubscribe(&channel).await;
                if let Err(e) = result {
                    tracing::debug!(channel, error = %e, "unsubscribing failed");
                }
            }
            None => {}
        }
    }
}

/// Reopens a lost connection and subscribes every channel again, then
/// wakes every waiter (what was published meanwhile is lost). `false` if
/// it never can.
async fn reconnect(source: &mut impl Source, channels: &Mutex<Channels>) -> bool {
    for ch in channels.lock().map.values() {
        ch.ready.send_replace(Ready::Pending);
    }
    let mut backoff = Duration::from_millis(50);
    loop {
        match source.reconnect().await {
            Ok(()) => {}
            Err(Reconnect::Never) => {
                let mut channels = channels.lock();
                for (_, ch) in std::mem::take(&mut channels.map) {
                    ch.ready.send_replace(Ready::Failed);
                    ch.notify.notify_waiters();
                }
                return false;
            }
            Err(Reconnect::Later) => {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
                continue;
            }
        }
        let names: Vec<String> = channels.lock().map.keys().cloned().collect();
        let mut ok = true;
        for name in &names {
            ok &= source.subscribe(name).await.is_ok();
        }
        if !ok {
            tokio::time::sleep(backoff).await;
            continue;
        }
        let mut channels = channels.lock();
        for ch in channels.map.values_mut() {
            ch.ready.send_replace(Ready::Yes);
            ch.wake_all();
        }
        return true;
    }
}

/// A waiter registered on a channel; dropping it leaves (and unsubscribes
/// the channel if it was the last).
pub(crate) struct Listener {
    hub: Arc<Hub>,
    channel: String,
    entry: u64,
    id: Option<Arc<str>>,
    notify: Arc<Notify>,
    /// Woken, and the attempt it asked for not made yet.
    woken: bool,
}

impl Listener {
    /// Sleeps until a message wakes this waiter (`true`) or `until`
    /// passes (`false`).
    pub(crate) async fn wait_until(&mut self, until: Instant) -> bool {
        loop {
            // Registered before the state is read: a message after the
            // read still wakes this loop.
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.take_wakeup() {
                self.woken = true;
                return true;
            }
            tokio::select! {
                biased;
                () = &mut notified => {}
                () = tokio::time::sleep_until(until) => return false,
            }
        }
    }

    fn take_wakeup(&self) -> bool {
        let mut channels = self.hub.channels.lock();
        let Some(ch) = channels.map.get_mut(&self.channel) else {
            return false;
        };
        if ch.entry != self.entry {
            return false;
        }
        if let Some(id) = &self.id
            && ch.addressed.remove(id)
        {
            return true;
        }
        if ch.permits > 0 {
            ch.permits -= 1;
            return true;
        }
        false
    }

    /// The attempt a wake-up asked for was made.
    pub(crate) fn attempted(&mut self) {
        self.woken = false;
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let mut channels = self.hub.channels.lock();
        let Some(ch) = channels.map.get_mut(&self.channel) else {
            return;
        };
        if ch.entry != self.entry {
            return;
        }
        ch.refs -= 1;
        if let Some(id) = &self.id
            && let Some(n) = ch.ids.get_mut(id)
        {
            *n -= 1;
            if *n == 0 {
                ch.ids.remove(id);
                ch.addressed.remove(id);
            }
        }
        if ch.refs == 0 {
            let ready = *ch.ready.borrow();
            channels.map.remove(&self.channel);
            if ready != Ready::Failed {
                let _ = self.hub.control.send(Control::Unsubscribe {
                    channel: self.channel.clone(),
                });
            }
        } else {
            ch.permits = ch.permits.min(ch.refs);
            if self.woken {
                // Cancelled between its wake-up and its attempt: another
                // waiter takes the wake-up.
                ch.permits = (ch.permits + 1).min(ch.refs);
                ch.notify.notify_waiters();
            }
        }
    }
}
