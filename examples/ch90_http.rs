// Scratch: proves that a program can start an HTTP server on 127.0.0.1:0 (axum) and query it
// with a blocking client (ureq) through the pipeline.
use std::net::SocketAddr;

use axum::{routing::get, Router};

// ANCHOR: main
fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a free port on the loopback address");
    let address: SocketAddr = listener.local_addr().expect("the bound address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = Router::new().route("/hello", get(|| async { "hello from axum" }));
    let server = runtime.spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });

    let mut response = ureq::get(&format!("http://{address}/hello"))
        .call()
        .expect("the local server answers");
    let status = response.status();
    let body = response.body_mut().read_to_string().expect("a text body");
    println!("GET /hello: {status}, {body:?}");

    let _ = stop.send(());
    runtime
        .block_on(server)
        .expect("the server task ends")
        .expect("the server stops cleanly");
    println!("server stopped");
}
// ANCHOR_END: main
