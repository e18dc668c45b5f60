//! A loopback HTTP server that records every request it receives, to check
//! from the server side what the host let through.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::{Method, Uri};

pub struct CountingServer {
    pub url: String,
    pub seen: Arc<Mutex<Vec<(Method, String)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl CountingServer {
    /// Answers every request with an empty ConfigMap list.
    pub async fn start() -> CountingServer {
        let seen: Arc<Mutex<Vec<(Method, String)>>> = Arc::default();
        let log = seen.clone();
        let app = Router::new().fallback(move |method: Method, uri: Uri| {
            let log = log.clone();
            async move {
                log.lock().expect("lock").push((method, uri.to_string()));
                (
                    [("content-type", "application/json")],
                    r#"{"kind":"ConfigMapList","apiVersion":"v1","items":[]}"#,
                )
            }
        });
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        CountingServer { url, seen, task }
    }

    pub fn requests(&self) -> Vec<(Method, String)> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for CountingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
