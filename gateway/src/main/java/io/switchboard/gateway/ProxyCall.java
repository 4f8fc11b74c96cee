package io.switchboard.gateway;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One call through the gateway: the client's call into the gateway ({@link ServerCall}) joined to
 * the gateway's call to the backend ({@link ClientCall}), messages handed across as unparsed bytes.
 *
 * <p><b>Flow control.</b> Each side asks the other for one message at a time, and only when the
 * receiving side {@linkplain ClientCall#isReady() is ready}: a message received from one call is
 * written to the other, and the next one is requested at once if the other call is still ready,
 * else when its {@code onReady} fires. So per call and direction the gateway holds at most one
 * message plus what HTTP/2 flow control lets the transports hold, and a slow client slows the
 * backend. The "waiting" flags are set and cleared by compare-and-set on both threads, so exactly
 * one of them asks for the next message, even when {@code onReady} races the check.
 *
 * <p><b>Threads.</b> Each call is touched from its own listener only: the server call is written
 * (headers, messages, close) from the backend listener, and the backend call (messages, half-close,
 * cancel) from the client listener. {@code request(n)} and {@code isReady()}, which grpc allows
 * from any thread, are the only crossings. A failure the gateway finds on the client side (a
 * message over the route's limit) is recorded and the backend call cancelled; the backend
 * listener's {@code onClose} then closes the client's call with the recorded status.
 */
final class ProxyCall {
  private final ServerCall<InputStream, InputStream> serverCall;
  private final ClientCall<InputStream, InputStream> backendCall;
  private final RouteHandler route;
  private final AtomicBoolean requestWaiting = new AtomicBoolean();
  private final AtomicBoolean responseWaiting = new AtomicBoolean();
  private volatile Status gatewayFailure;

  final ServerCall.Listener<InputStream> clientListener = new FromClient();
  final ClientCall.Listener<InputStream> backendListener = new FromBackend();

  ProxyCall(
      ServerCall<InputStream, InputStream> serverCall,
      ClientCall<InputStream, InputStream> backendCall,
      RouteHandler route) {
    this.serverCall = serverCall;
    this.backendCall = backendCall;
    this.route = route;
  }

  /** Starts the backend call and asks each side for its first message. */
  void start(Metadata backendHeaders) {
    backendCall.start(backendListener, backendHeaders);
    serverCall.request(1);
    backendCall.request(1);
  }

  /** Requests the next request message from the client if the backend call can take it. */
  private void pullRequest() {
    if (backendCall.isReady()) {
      serverCall.request(1);
      return;
    }
    requestWaiting.set(true);
    // onReady may have fired between isReady() and set(): look again, and let one side win.
    if (backendCall.isReady() && requestWaiting.compareAndSet(true, false)) {
      serverCall.request(1);
    }
  }

  /** Requests the next response message from the backend if the client's call can take it. */
  private void pullResponse() {
    if (serverCall.isReady()) {
      backendCall.request(1);
      return;
    }
    responseWaiting.set(true);
    if (serverCall.isReady() && responseWaiting.compareAndSet(true, false)) {
      backendCall.request(1);
    }
  }

  /** Listens to the client's call into the gateway; writes to the backend call. */
  private final class FromClient extends ServerCall.Listener<InputStream> {
    private boolean done;

    @Override
    public void onMessage(InputStream message) {
      if (done) {
        PassthroughMarshaller.release(message);
        return;
      }
      int size = PassthroughMarshaller.size(message);
      if (size > route.maxMessageBytes()) {
        PassthroughMarshaller.release(message);
        failAtGateway(
            Status.RESOURCE_EXHAUSTED.withDescription(
                "route "
                    + route.name()
                    + ": request message of "
                    + size
                    + " bytes exceeds the route's limit of "
                    + route.maxMessageBytes()
                    + " bytes (maxMessageBytes)"));
        return;
      }
      route.counters().requestBytes(size);
      backendCall.sendMessage(message); // closes the message, also on failure
      pullRequest();
    }

    @Override
    public void onHalfClose() {
      if (!done) {
        done = true;
        backendCall.halfClose();
      }
    }

    @Override
    public void onCancel() {
      // The client cancelled, its deadline passed, or its connection broke: the backend hears of
      // it at once (grpc's context cancellation does too; the first cancel wins).
      done = true;
      backendCall.cancel("the client's call to the gateway was cancelled", null);
    }

    @Override
    public void onReady() {
      if (responseWaiting.compareAndSet(true, false)) {
        backendCall.request(1);
      }
    }

    private void failAtGateway(Status status) {
      done = true;
      gatewayFailure = status;
      backendCall.cancel(status.getDescription(), null);
    }
  }

  /** Listens to the gateway's call to the backend; writes to the client's call. */
  private final class FromBackend extends ClientCall.Listener<InputStream> {
    private boolean headersReceived;

    @Override
    public void onHeaders(Metadata headers) {
      headersReceived = true;
      serverCall.sendHeaders(route.headerPolicy().toClient(headers));
    }

    @Override
    public void onMessage(InputStream message) {
      route.counters().responseBytes(PassthroughMarshaller.size(message));
      serverCall.sendMessage(message); // closes the message, also on failure
      pullResponse();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      Status toClient = gatewayFailure;
      if (toClient == null && serverCall instanceof FrontCall front) {
        toClient = front.failure(); // the front refused the client's input
      }
      if (toClient == null) {
        toClient = route.describeBackendFailure(status, trailers, headersReceived);
      }
      // Count first, so the counters have settled by the time the client hears the status.
      route.callClosed(serverCall, toClient.getCode());
      // grpc has already closed a cancelled call (the client cancelled, its deadline passed, or
      // grpc itself refused a message): closing it again would reset the client's connection.
      if (!serverCall.isCancelled()) {
        serverCall.close(toClient, route.headerPolicy().toClient(trailers));
      }
    }

    @Override
    public void onReady() {
      if (requestWaiting.compareAndSet(true, false)) {
        serverCall.request(1);
      }
    }
  }
}
