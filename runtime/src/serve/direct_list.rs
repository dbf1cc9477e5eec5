//! The stdio transport: rmcp's own line transport, except that `tools/list` is answered
//! directly from the model.
//!
//! Listing is what a client waits for before its first call, and for a large API most of it
//! went into copying each tool's schemas into rmcp `Tool`s only to serialize them.
//! [`McpServer::tools_list_line`] writes the same line straight from the model. Every other
//! message, every refusal and every `tools/list` the handler must judge (under a policy, an
//! unknown cursor, a client that has not finished its handshake) still goes through rmcp.
//!
//! Both rmcp's answers and the direct ones are whole lines sent to one writer task, so they
//! never interleave on stdout, and a slow reader holds both back (the channel is bounded).

use crate::server::McpServer;
use rmcp::RoleServer;
use rmcp::model::{
    ClientJsonRpcMessage, ClientNotification, ClientRequest, GetMeta, ProtocolVersion,
    ServerJsonRpcMessage, ServerResult,
};
use rmcp::transport::Transport;
use rmcp::transport::async_rw::AsyncRwTransport;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::PollSender;

/// Lines waiting for the writer; a client that stops reading stops the server writing.
const QUEUED_LINES: usize = 16;

/// rmcp's transport over `read`, with the direct `tools/list` path in front of it.
pub(super) struct DirectStdio<R: AsyncRead> {
    inner: AsyncRwTransport<RoleServer, R, LineSink>,
    server: McpServer,
    lines: mpsc::Sender<Vec<u8>>,
    /// A direct answer not yet handed to the writer. rmcp drops a pending `receive` whenever
    /// another event wins its select loop, so the answer waits here, not in a future.
    unsent: Option<Vec<u8>>,
    /// The version rmcp's `initialize` answer settled on (a handshake-era session).
    negotiated: Option<ProtocolVersion>,
    /// Whether the client has said `notifications/initialized`.
    initialized: bool,
    /// Whether a request carried its own protocol version (a 2026-07-28 session, which rmcp
    /// holds to per-request metadata from then on).
    inline: bool,
}

impl<R> DirectStdio<R>
where
    R: AsyncRead + Send + Unpin + 'static,
{
    /// The transport, and the task that writes every line to `write` (it ends, with every
    /// line written, once the transport is dropped).
    pub(super) fn new<W>(server: McpServer, read: R, write: W) -> (Self, JoinHandle<()>)
    where
        W: AsyncWrite + Send + Unpin + 'static,
    {
        let (lines, queue) = mpsc::channel(QUEUED_LINES);
        let writer = tokio::spawn(write_lines(queue, write));
        let sink = LineSink {
            lines: PollSender::new(lines.clone()),
            pending: Vec::new(),
        };
        let transport = DirectStdio {
            inner: AsyncRwTransport::new(read, sink),
            server,
            lines,
            unsent: None,
            negotiated: None,
            initialized: false,
            inline: false,
        };
        (transport, writer)
    }

    /// The line answering `message` directly, when it is a `tools/list` this path may answer.
    fn direct_answer(&self, message: &ClientJsonRpcMessage) -> Option<Vec<u8>> {
        let ClientJsonRpcMessage::Request(request) = message else {
            return None;
        };
        let ClientRequest::ListToolsRequest(list) = &request.request else {
            return None;
        };
        let meta = request.request.get_meta();
        let current_era = match (meta.protocol_version(), &self.negotiated) {
            // A 2026-07-28 request carries its own version; rmcp judges any other.
            (Some(_), None) => super::stateless_2026_07_28(meta).then_some(true)?,
            // A handshake-era request, once the handshake is over.
            (None, Some(negotiated)) if self.initialized && !self.inline => {
                negotiated.as_str() >= ProtocolVersion::V_2026_07_28.as_str()
            }
            _ => return None,
        };
        let cursor = list.params.as_ref().and_then(|p| p.cursor.as_deref());
        self.server
            .tools_list_line(request.id.clone(), cursor, current_era)
    }
}

impl<R> Transport<RoleServer> for DirectStdio<R>
where
    R: AsyncRead + Send + Unpin + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        if let ServerJsonRpcMessage::Response(response) = &item
            && let ServerResult::InitializeResult(result) = &response.result
        {
            self.negotiated = Some(result.protocol_version.clone());
        }
        self.inner.send(item)
    }

    // Cancel-safe, as rmcp's select loop needs: a message is taken from the inner transport
    // and dealt with without awaiting, and waiting for room in the channel loses nothing.
    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            if self.unsent.is_some() {
                // The line stays in `unsent` until there is room for it.
                let permit = self.lines.reserve().await.ok()?;
                permit.send(self.unsent.take()?);
            }
            let message = self.inner.receive().await?;
            match &message {
                ClientJsonRpcMessage::Notification(note)
                    if matches!(
                        note.notification,
                        ClientNotification::InitializedNotification(_)
                    ) =>
                {
                    self.initialized = true;
                }
                ClientJsonRpcMessage::Request(request)
                    if request.request.get_meta().protocol_version().is_some() =>
                {
                    self.inline = true;
                }
                _ => {}
            }
            match self.direct_answer(&message) {
                Some(line) => self.unsent = Some(line),
                None => return Some(message),
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.inner.close().await
    }
}

/// Writes each line as it comes, flushing when no other line is waiting.
async fn write_lines<W: AsyncWrite + Unpin>(mut queue: mpsc::Receiver<Vec<u8>>, mut write: W) {
    while let Some(line) = queue.recv().await {
        if let Err(e) = write.write_all(&line).await {
            tracing::debug!("cannot write to the client: {e}");
            return;
        }
        if queue.is_empty()
            && let Err(e) = write.flush().await
        {
            tracing::debug!("cannot write to the client: {e}");
            return;
        }
    }
}

/// What rmcp writes into: bytes are gathered into whole lines, which go to the writer task.
struct LineSink {
    lines: PollSender<Vec<u8>>,
    /// Bytes of lines not yet handed over.
    pending: Vec<u8>,
}

impl AsyncWrite for LineSink {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.get_mut().pending.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        while let Some(end) = this.pending.iter().rposition(|&b| b == b'\n') {
            ready!(this.lines.poll_reserve(cx)).map_err(|_| closed())?;
            let rest = this.pending.split_off(end + 1);
            let lines = std::mem::replace(&mut this.pending, rest);
            this.lines.send_item(lines).map_err(|_| closed())?;
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        ready!(self.as_mut().poll_flush(cx))?;
        self.get_mut().lines.close();
        Poll::Ready(Ok(()))
    }
}

fn closed() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::BrokenPipe,
        "the client's stream is closed",
    )
}
