//! Progress of long commands (`generate`, `import`) on standard error, one bar per phase.

use indicatif::{ProgressBar, ProgressStyle};

/// The bar of the phase under way; a new label starts a new bar.
#[derive(Default)]
pub struct Progress {
    current: Option<(&'static str, ProgressBar)>,
}

impl Progress {
    /// Shows `done` of `total` for the phase called `label`.
    pub fn show(&mut self, label: &'static str, done: usize, total: usize) {
        if self
            .current
            .as_ref()
            .is_none_or(|(shown, _)| *shown != label)
        {
            if let Some((_, finished)) = self.current.take() {
                finished.finish();
            }
            let bar = ProgressBar::new(total as u64).with_prefix(label);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:40}] {percent:>3}% {pos}/{len}, {elapsed}",
                )
                .expect("a valid progress template")
                .progress_chars("#> "),
            );
            self.current = Some((label, bar));
        }
        if let Some((_, bar)) = &self.current {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
            if done >= total {
                bar.finish();
            }
        }
    }
}
