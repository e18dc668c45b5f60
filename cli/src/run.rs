//! `wagather run`: the gathering service, configured by `host.toml`
//! (`wagather_host::service::config`).
//!
//! The first SIGTERM or Ctrl-C stops the service: between periods at once; during a period
//! the period may finish within `shutdown_grace` and is cancelled after it (its archive is
//! discarded, never half-written). The process then exits 0. A second signal exits at once
//! (status 130); an archive being written then stays hidden under its staging name and is
//! removed at the next start.
//!
//! With a listen address (`listen` in the config, or `--listen`) it serves:
//! `/metrics` (OpenMetrics text), `/healthz` (200 while the scheduler ticks), `/readyz` (200
//! once the initial set of gatherers is loaded) and `/status` (the service's state as JSON, what
//! `wagather status --url` prints).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use clap::Args;
use tokio::signal::unix::{SignalKind, signal};
use wagather_host::ApiEndpoint;
use wagather_host::service::config::{ApiTarget, ServiceConfig};
use wagather_host::service::{Service, ServiceHandle, Stopped, metrics};

use crate::args::start_snapshot;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The service's configuration (host.toml).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Serve /metrics, /healthz, /readyz and /status here (overrides `listen` in the config).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// Exit status after a second signal, as shells report a process ended by SIGINT.
const SECOND_SIGNAL_EXIT: i32 = 130;

pub async fn run(args: RunArgs) -> Result<()> {
    // Signals are taken over first, so that a SIGTERM during the start is a request to stop
    // rather than the default, immediate exit.
    let mut terminate = signal(SignalKind::terminate()).context("could not handle SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("could not handle SIGINT")?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let first = tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        };
        tracing::info!("{first}: stopping (a second signal exits at once)");
        let _ = stop_tx.send(true);
        let second = tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        };
        tracing::warn!("{second} again: exiting at once");
        std::process::exit(SECOND_SIGNAL_EXIT);
    });

    let config = ServiceConfig::read(&args.config)?;
    let listen = args.listen.or(config.listen);
    let (endpoint, snapshot) = match &config.api {
        ApiTarget::Default => (ApiEndpoint::Default, None),
        ApiTarget::Kubeconfig(path) => (ApiEndpoint::Kubeconfig(path.clone()), None),
        ApiTarget::Server(url) => (ApiEndpoint::Server(url.clone()), None),
        ApiTarget::Snapshot(dir) => {
            let server = start_snapshot(dir, SocketAddr::from(([127, 0, 0, 1], 0))).await?;
            (ApiEndpoint::Server(server.url()), Some(server))
        }
    };
    let api = endpoint.client().await?;
    let mut service = Service::new(config, api)
        .await
        .context("could not start the service")?;
    let endpoints = match listen {
        Some(addr) => Some(serve(addr, service.handle()).await?),
        None => None,
    };

    let stopped = service.run(stop_rx).await;
    match stopped {
        Stopped::Idle => tracing::info!("stopped between periods"),
        Stopped::AfterPeriod => tracing::info!("stopped after the running period finished"),
        Stopped::Cancelled => tracing::info!("stopped; the running period was cancelled"),
    }
    if let Some((server, done)) = endpoints {
        let _ = server.send(());
        let _ = done.await;
    }
    if let Some(server) = snapshot {
        server.shutdown().await;
    }
    Ok(())
}

/// Serves the endpoints on `addr` until the returned sender fires.
async fn serve(
    addr: SocketAddr,
    handle: ServiceHandle,
) -> Result<(
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
)> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("could not listen on {addr}"))?;
    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!("serving /metrics, /healthz, /readyz and /status on http://{local}");
    let app = Router::new()
        .route("/metrics", get(metrics_page))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/status", get(status))
        .with_state(handle);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!("the endpoints failed: {e}");
        }
    });
    Ok((tx, done))
}

async fn metrics_page(State(handle): State<ServiceHandle>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        handle.metrics(),
    )
}

async fn healthz(State(handle): State<ServiceHandle>) -> impl IntoResponse {
    match handle.healthy() {
        Ok(()) => (StatusCode::OK, "ok\n".to_owned()),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")),
    }
}

async fn readyz(State(handle): State<ServiceHandle>) -> impl IntoResponse {
    if handle.ready() {
        (StatusCode::OK, "ready\n")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "loading the initial set of gatherers\n",
        )
    }
}

async fn status(State(handle): State<ServiceHandle>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        handle.status().to_json(),
    )
}
