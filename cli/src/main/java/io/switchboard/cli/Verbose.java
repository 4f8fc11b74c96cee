package io.switchboard.cli;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.PrintWriter;
import java.util.Base64;
import java.util.TreeSet;

/** {@code call -v}: the response headers and trailers, printed to stderr as they arrive. */
final class Verbose {
  private Verbose() {}

  static Channel intercept(Channel channel, PrintWriter err) {
    return ClientInterceptors.intercept(
        channel,
        new ClientInterceptor() {
          @Override
          public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
              MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(
                next.newCall(method, options)) {
              @Override
              public void start(Listener<RespT> listener, Metadata headers) {
                super.start(
                    new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(
                        listener) {
                      @Override
                      public void onHeaders(Metadata metadata) {
                        print(err, "response headers", metadata);
                        super.onHeaders(metadata);
                      }

                      @Override
                      public void onClose(Status status, Metadata trailers) {
                        print(err, "response trailers", trailers);
                        super.onClose(status, trailers);
                      }
                    },
                    headers);
              }
            };
          }
        });
  }

  /** Prints one block: a title line, then each header as {@code name: value}, sorted. */
  static void print(PrintWriter err, String title, Metadata metadata) {
    StringBuilder s = new StringBuilder("switchboard: ").append(title).append('\n');
    for (String key : new TreeSet<>(metadata.keys())) {
      if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        for (byte[] v : metadata.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER))) {
          s.append("  ").append(key).append(": ").append(Base64.getEncoder().encodeToString(v));
          s.append('\n');
        }
      } else {
        for (String v : metadata.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))) {
          s.append("  ").append(key).append(": ").append(v).append('\n');
        }
      }
    }
    synchronized (err) {
      err.print(s);
      err.flush();
    }
  }
}
