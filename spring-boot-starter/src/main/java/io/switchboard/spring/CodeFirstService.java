package io.switchboard.spring;

import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import java.util.Objects;

/**
 * Presents a {@link ServerServiceDefinition} bean (from {@code ServiceBinder}, or any other) as the
 * {@link BindableService} Spring gRPC's server looks for.
 */
final class CodeFirstService implements BindableService {
  private final ServerServiceDefinition definition;

  CodeFirstService(ServerServiceDefinition definition) {
    this.definition = Objects.requireNonNull(definition, "definition");
  }

  @Override
  public ServerServiceDefinition bindService() {
    return definition;
  }

  @Override
  public String toString() {
    return "CodeFirstService{" + definition.getServiceDescriptor().getName() + "}";
  }
}
