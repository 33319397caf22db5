//! CPU-heavy questions (graph walks, ledger summaries, compliance) run on blocking threads, at
//! most as many at once as the pool is sized for, so the async workers keep answering the rest.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::service::kernel::ServiceError;

/// A bound on the threads CPU-heavy questions use at once.
#[derive(Debug, Clone)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
    size: usize,
}

impl Default for CpuPool {
    /// One thread per core.
    fn default() -> Self {
        CpuPool::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

impl CpuPool {
    pub fn new(size: usize) -> Self {
        let size = size.max(1);
        CpuPool {
            permits: Arc::new(Semaphore::new(size)),
            size,
        }
    }

    /// Runs `work` on a blocking thread once one is free.
    pub async fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, ServiceError> {
        self.run_wide(|_| work()).await
    }

    /// Runs `work` once a thread is free, handing it how many threads it may use: every one free
    /// at that moment, so a lone summary uses the machine and a busy server shares it.
    pub async fn run_wide<R: Send + 'static>(
        &self,
        work: impl FnOnce(usize) -> R + Send + 'static,
    ) -> Result<R, ServiceError> {
        let closed = |_| ServiceError::Internal("the query pool is closed".into());
        let mut held = self.permits.clone().acquire_owned().await.map_err(closed)?;
        let more = self.permits.available_permits().min(self.size - 1);
        if more > 0
            && let Ok(extra) = self.permits.clone().try_acquire_many_owned(more as u32)
        {
            held.merge(extra);
        }
        let width = held.num_permits();
        tokio::task::spawn_blocking(move || {
            let _held = held;
            work(width)
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("a query stopped: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lone_question_gets_every_thread_and_gives_them_back() {
        let pool = CpuPool::new(3);
        assert_eq!(pool.run_wide(|width| width).await.unwrap(), 3);
        assert_eq!(pool.permits.available_permits(), 3);
        let panicked = pool.run(|| -> u8 { panic!("bad walk") }).await;
        assert!(matches!(panicked, Err(ServiceError::Internal(_))));
        assert_eq!(pool.permits.available_permits(), 3);
    }
}
