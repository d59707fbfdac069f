//! A loopback HTTP/1.1 proxy in front of a stand-in that resets the connection of chosen
//! requests, as a flaky network does: the request is read, then the socket is closed with RST
//! and no answer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct FlakyProxy {
    pub url: String,
    resets: Arc<AtomicUsize>,
}

impl FlakyProxy {
    /// Forwards to `upstream` (`http://127.0.0.1:PORT`), resetting the first `resets` requests
    /// whose X-Amz-Target ends with `.{action}`.
    pub async fn start(upstream: &str, action: &str, resets: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let target = format!(".{}", action.to_ascii_lowercase());
        let left = Arc::new(AtomicUsize::new(resets));
        let done = Arc::new(AtomicUsize::new(0));
        let (left_, done_) = (left.clone(), done.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, target, left, done) = (
                    upstream.clone(),
                    target.clone(),
                    left_.clone(),
                    done_.clone(),
                );
                tokio::spawn(serve(client, upstream, target, left, done));
            }
        });
        FlakyProxy { url, resets: done }
    }

    /// How many requests were reset so far.
    pub fn resets(&self) -> usize {
        self.resets.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut client: TcpStream,
    upstream: String,
    target: String,
    left: Arc<AtomicUsize>,
    done: Arc<AtomicUsize>,
) {
    while let Some(request) = read_message(&mut client).await {
        let head = String::from_utf8_lossy(&request).to_ascii_lowercase();
        let chosen = head
            .lines()
            .any(|l| l.starts_with("x-amz-target:") && l.trim_end().ends_with(&target));
        if chosen
            && left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            done.fetch_add(1, Ordering::SeqCst);
            let _ = client.set_zero_linger();
            return;
        }
        let Ok(mut server) = TcpStream::connect(&upstream).await else {
            return;
        };
        if server.write_all(&request).await.is_err() {
            return;
        }
        let Some(response) = read_message(&mut server).await else {
            return;
        };
        if client.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// One HTTP/1.1 message (head and a Content-Length body), or `None` at end of stream.
async fn read_message(stream: &mut (impl AsyncRead + Unpin)) -> Option<Vec<u8>> {
    let mut message = Vec::new();
    let mut byte = [0u8; 1];
    while !message.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        message.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&message).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.ok()?;
    message.extend(body);
    Some(message)
}
