package io.switchboard.stream;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;

/** A client call's response observer that forwards to a target after a before-start hook. */
final class ForwardingClientObserver<ReqT, T> implements ClientResponseObserver<ReqT, T> {
  private final StreamObserver<T> target;
  private final Consumer<ClientCallStreamObserver<ReqT>> beforeStart;

  ForwardingClientObserver(
      StreamObserver<T> target, Consumer<ClientCallStreamObserver<ReqT>> beforeStart) {
    this.target = target;
    this.beforeStart = beforeStart;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ReqT> requestStream) {
    beforeStart.accept(requestStream);
  }

  @Override
  public void onNext(T value) {
    target.onNext(value);
  }

  @Override
  public void onError(Throwable t) {
    target.onError(t);
  }

  @Override
  public void onCompleted() {
    target.onCompleted();
  }
}
