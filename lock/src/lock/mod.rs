//! The locks: single-instance ([`Lock`]), reentrant ([`ReentrantLock`]),
//! multi-key ([`MultiLock`]) and Redlock ([`Redlock`]), the Redisson family
//! — read-write ([`ReadWriteLock`]), semaphore with expirable permits
//! ([`ExpirableSemaphore`]), fair ([`FairLock`]) — and waiting by pub/sub
//! ([`Wakeups`]), their shared [`Guard`], options, and the resource side
//! of fencing ([`fencing`]).

mod acquire;
mod fair;
pub mod fencing;
pub(crate) mod guard;
mod multi;
mod options;
mod redlock;
mod reentrant;
mod rwlock;
mod scripts;
mod semaphore;
mod single;
mod wait;

use std::future::Future;

pub use fair::{FairLock, FairLockOwner};
pub use guard::Guard;
pub use multi::MultiLock;
pub use options::{LockOptions, SkewAction, SkewGuard};
pub use redlock::Redlock;
pub use reentrant::{ReentrantLock, ReentrantOwner};
pub use rwlock::{ReadLock, ReadWriteLock, ReadWriteOwner, WriteLock};
pub use semaphore::ExpirableSemaphore;
pub use single::Lock;
pub use wait::Wakeups;

use crate::LockError;

/// What every lock kind offers, as the design notes' `DistributedLock`
/// interface: lock (waiting per the options), try_lock (one attempt), and
/// unlock. Write code against it and choose the kind where it is built.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), redsim_lock::LockError> {
/// use redsim_lock::{DistributedLock, Lock};
///
/// async fn exclusively<L: DistributedLock>(lock: &L) -> Result<u64, redsim_lock::LockError> {
///     let guard = lock.lock().await?;
///     let result = 42; // the critical section
///     lock.unlock(guard).await?;
///     Ok(result)
/// }
///
/// let server = redsim::Server::start().unwrap();
/// assert_eq!(exclusively(&Lock::new(server.connection(), "report")).await?, 42);
/// # Ok(()) }
/// ```
pub trait DistributedLock: Send + Sync {
    /// Acquires, retrying per the options until the acquire timeout.
    fn lock(&self) -> impl Future<Output = Result<Guard, LockError>> + Send;

    /// One attempt.
    fn try_lock(&self) -> impl Future<Output = Result<Guard, LockError>> + Send;

    /// Releases what `lock` or `try_lock` returned (same as
    /// [`Guard::release`]).
    fn unlock(&self, guard: Guard) -> impl Future<Output = Result<(), LockError>> + Send {
        guard.release()
    }
}
