//! Guest stdout and stderr, turned into the host's `tracing` lines.
//!
//! A gatherer has no files and no terminal; what it prints (including Rust
//! panic messages, which go to stderr) is logged line by line with the
//! gatherer's name. Output is capped per run so a chatty or hostile guest
//! cannot flood the host's log: past the cap, one warning says so and the
//! rest is dropped.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// Longest line logged as one event; longer lines are split.
const MAX_LINE: usize = 4096;

/// Which guest stream a line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The guest's stdout, logged at info level.
    Stdout,
    /// The guest's stderr, logged at warn level.
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// Byte budget shared by a run's stdout and stderr.
#[derive(Debug)]
struct Budget {
    remaining: u64,
    limit: u64,
    warned: bool,
}

/// The stdout or stderr of one gatherer run.
#[derive(Clone, Debug)]
pub struct GuestOutput {
    gatherer: Arc<str>,
    stream: Stream,
    budget: Arc<Mutex<Budget>>,
}

impl GuestOutput {
    /// A stdout and a stderr for `gatherer` sharing a budget of `max_bytes`.
    pub fn pair(gatherer: &str, max_bytes: u64) -> (GuestOutput, GuestOutput) {
        let gatherer: Arc<str> = Arc::from(gatherer);
        let budget = Arc::new(Mutex::new(Budget {
            remaining: max_bytes,
            limit: max_bytes,
            warned: false,
        }));
        let stdout = GuestOutput {
            gatherer: gatherer.clone(),
            stream: Stream::Stdout,
            budget: budget.clone(),
        };
        let stderr = GuestOutput {
            gatherer,
            stream: Stream::Stderr,
            budget,
        };
        (stdout, stderr)
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(LineWriter {
            output: self.clone(),
            line: Vec::new(),
        })
    }
}

/// Splits written bytes into lines and logs each complete line.
struct LineWriter {
    output: GuestOutput,
    line: Vec<u8>,
}

impl LineWriter {
    /// Takes as much of `buf` as the budget allows; returns how much was kept.
    fn admit<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        // A poisoned lock only means another writer panicked mid-update; the
        // counter is still meaningful, so keep using it.
        let mut budget = self.output.budget.lock().unwrap_or_else(|e| e.into_inner());
        let kept = buf
            .len()
            .min(usize::try_from(budget.remaining).unwrap_or(usize::MAX));
        budget.remaining -= kept as u64;
        if kept < buf.len() && !budget.warned {
            budget.warned = true;
            tracing::warn!(
                target: "wagather::guest",
                gatherer = %self.output.gatherer,
                "guest output exceeded {} bytes; further output is dropped",
                budget.limit
            );
        }
        &buf[..kept]
    }

    fn emit(&self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches('\r');
        let gatherer = &*self.output.gatherer;
        let stream = self.output.stream.name();
        match self.output.stream {
            Stream::Stdout => tracing::info!(target: "wagather::guest", gatherer, stream, "{text}"),
            Stream::Stderr => tracing::warn!(target: "wagather::guest", gatherer, stream, "{text}"),
        }
    }

    fn push(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = MAX_LINE - self.line.len();
            let window = &bytes[..bytes.len().min(room)];
            let complete = match window.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    self.line.extend_from_slice(&window[..end]);
                    bytes = &bytes[end + 1..];
                    true
                }
                None => {
                    self.line.extend_from_slice(window);
                    bytes = &bytes[window.len()..];
                    self.line.len() >= MAX_LINE
                }
            };
            if complete {
                let line = std::mem::take(&mut self.line);
                self.emit(&line);
            }
        }
    }
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let kept = this.admit(buf);
        this.push(kept);
        // Dropped bytes are reported as written: the guest must not be able to
        // stall on its own output.
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            self.emit(&line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn budget_is_shared_and_enforced() {
        let (out, err) = GuestOutput::pair("t", 10);
        let mut a = LineWriter {
            output: out,
            line: Vec::new(),
        };
        let mut b = LineWriter {
            output: err,
            line: Vec::new(),
        };
        // The guest always sees its writes succeed.
        assert_eq!(a.write(b"hello\nwor").await.expect("write"), 9);
        assert_eq!(b.write(b"ld!!\n").await.expect("write"), 5);
        assert_eq!(a.line, b"wor");
        // Only one byte of budget was left for stderr.
        assert_eq!(b.line, b"l");
        let budget = a.output.budget.lock().expect("lock");
        assert_eq!(budget.remaining, 0);
        assert!(budget.warned);
    }

    #[test]
    fn long_lines_are_split() {
        let (out, _) = GuestOutput::pair("t", u64::MAX);
        let mut w = LineWriter {
            output: out,
            line: Vec::new(),
        };
        w.push(&vec![b'x'; MAX_LINE + 10]);
        assert_eq!(w.line.len(), 10);
    }
}
