package io.switchboard.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.core.metrics.MetricSink;
import io.switchboard.metrics.micrometer.MicrometerMetrics;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Switchboard's metrics in Spring Boot: a {@link MetricSink} bean, by default {@link
 * MicrometerMetrics} (a {@code MeterBinder}, so Spring Boot binds it to every meter registry it
 * configures), and the channel pools' instruments observed through it ({@link PoolInstruments}).
 * Declare your own {@code MetricSink} bean (e.g. {@code OpenTelemetryMetrics}) to send them
 * elsewhere; with neither Micrometer nor a sink, nothing is recorded.
 */
@AutoConfiguration(after = SwitchboardPoolAutoConfiguration.class)
@ConditionalOnClass(MetricSink.class)
public final class SwitchboardMetricsAutoConfiguration {

  /** Used by Spring Boot's auto-configuration. */
  public SwitchboardMetricsAutoConfiguration() {}

  @Bean(destroyMethod = "close")
  @ConditionalOnBean(ChannelPools.class)
  PoolInstruments switchboardPoolInstruments(ObjectProvider<MetricSink> sink, ChannelPools pools) {
    return new PoolInstruments(sink.getIfAvailable(MetricSink::noop), pools);
  }

  /** The default sink: Micrometer, when it and switchboard-metrics-micrometer are present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MicrometerMetrics.class, MeterRegistry.class})
  static class MicrometerSinkConfiguration {
    @Bean
    @ConditionalOnMissingBean(MetricSink.class)
    MicrometerMetrics switchboardMetricSink() {
      return MicrometerMetrics.create();
    }
  }
}
