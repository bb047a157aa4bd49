//! What every back end's example shows, written once against
//! `DistributedLock`: a lock taken and refused to a second try, handed to
//! a waiter on release, and a critical section run under it.

use std::time::Duration;

use redsim_lock::{DistributedLock, LockError};
use tokio::time::Instant;

pub async fn run<L>(service: &str, lock: L) -> Result<(), LockError>
where
    L: DistributedLock + Clone + 'static,
{
    let guard = lock.lock().await?;
    println!(
        "{service}: acquired — owner {}, fencing token {:?}, valid for {:?}",
        guard.token(),
        guard.fencing_token(),
        guard.remaining()
    );
    match lock.try_lock().await {
        Err(e) if e.is_contention() => println!("{service}: a second try is refused: {e}"),
        Err(e) => return Err(e),
        Ok(_) => unreachable!("two holders at once"),
    }

    // A waiter is woken by the release (no polling on any back end).
    let waiting = lock.clone();
    let waiter = tokio::spawn(async move {
        let started = Instant::now();
        let guard = waiting.lock().await?;
        Ok::<_, LockError>((guard, started.elapsed()))
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    lock.unlock(guard).await?;
    let (guard, waited) = waiter.await.expect("the waiter panicked")?;
    println!(
        "{service}: the waiter got it after {waited:?}, fencing token {:?}",
        guard.fencing_token()
    );

    // Work that is cancelled if the lock is lost meanwhile.
    let done = guard
        .run(async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            "the report"
        })
        .await?;
    println!("{service}: wrote {done} under the lock");
    lock.unlock(guard).await?;
    println!("{service}: released");
    Ok(())
}
