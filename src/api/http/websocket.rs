//! GraphQL over WebSocket at `/graphql/ws`: authenticated at `connection_init`, every operation
//! run with loaders that batch but never cache.

use std::sync::Arc;

use async_graphql::Executor;
use futures_util::stream::BoxStream;

/// Runs WebSocket operations with loaders that batch but never cache, so every event's related
/// entities are read as they are then.
#[derive(Clone)]
pub struct LiveExecutor {
    pub schema: crate::api::schema::AppSchema,
    pub readiness: crate::api::graphql::Readiness,
}

impl Executor for LiveExecutor {
    fn execute(
        &self,
        request: async_graphql::Request,
    ) -> impl Future<Output = async_graphql::Response> + Send {
        let request = self.prepare(request);
        let schema = self.schema.clone();
        async move { schema.execute(request).await }
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<async_graphql::Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        self.schema.execute_stream_with_session_data(
            self.prepare(request),
            session_data.unwrap_or_default(),
        )
    }
}

impl LiveExecutor {
    fn prepare(&self, request: async_graphql::Request) -> async_graphql::Request {
        // Who is asking comes from the connection's session data, set at `connection_init`.
        crate::api::graphql::attach_uncached(request, &self.readiness)
    }
}

/// `/graphql/ws`: GraphQL over WebSocket; the connection authenticates in `connection_init`
/// (`{"Authorization": "Bearer …"}`), and every operation on it runs as that token.
pub async fn websocket(
    axum::extract::State(state): axum::extract::State<crate::api::http::state::AppState>,
    protocol: async_graphql_axum::GraphQLProtocol,
    upgrade: axum::extract::WebSocketUpgrade,
) -> axum::response::Response {
    let live = LiveExecutor {
        schema: state.schema.clone(),
        readiness: state.readiness.clone(),
    };
    let readiness = state.readiness;
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            async_graphql_axum::GraphQLWebSocket::new(stream, live, protocol)
                .on_connection_init(move |payload| async move {
                    let secret = crate::api::access::init_secret(&payload);
                    let principal = crate::api::access::principal(&readiness, secret.as_deref())
                        .await
                        .map_err(|refusal| async_graphql::Error::new(refusal.message()))?;
                    let mut data = async_graphql::Data::default();
                    data.insert(crate::api::access::context(
                        &principal,
                        &axum::http::HeaderMap::new(),
                    ));
                    Ok(data)
                })
                .serve()
        })
}
