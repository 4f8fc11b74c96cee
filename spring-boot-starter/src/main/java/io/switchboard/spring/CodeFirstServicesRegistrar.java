package io.switchboard.spring;

import io.grpc.ServerServiceDefinition;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.RuntimeBeanReference;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers a {@link CodeFirstService} for each {@link ServerServiceDefinition} bean known when
 * Switchboard's server auto-configuration is processed, that is, every one the application's own
 * configuration declares. It runs before Spring Boot's gRPC server auto-configuration, whose
 * {@code @ConditionalOnBean(BindableService.class)} so sees them: an application whose only
 * services are code-first gets a server too. Types are read from bean definitions (factory method
 * return types), without creating any bean.
 */
final class CodeFirstServicesRegistrar implements ImportBeanDefinitionRegistrar {
  /** Suffix of the adapter bean's name, after the definition bean's own name. */
  static final String SUFFIX = ".switchboardBindableService";

  @Override
  public void registerBeanDefinitions(
      AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    if (!(registry instanceof ListableBeanFactory beans)) {
      return;
    }
    for (String name : beans.getBeanNamesForType(ServerServiceDefinition.class, true, false)) {
      String adapter = name + SUFFIX;
      if (registry.containsBeanDefinition(adapter)) {
        continue;
      }
      RootBeanDefinition definition = new RootBeanDefinition(CodeFirstService.class);
      definition
          .getConstructorArgumentValues()
          .addGenericArgumentValue(new RuntimeBeanReference(name));
      registry.registerBeanDefinition(adapter, definition);
    }
  }
}
