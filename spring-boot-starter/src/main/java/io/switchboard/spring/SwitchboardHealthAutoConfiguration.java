package io.switchboard.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;

/**
 * Actuator health for the channel pools: a {@code channelPools} component with one entry per
 * configured client (see {@link ChannelPools}). Off with {@code
 * management.health.channel-pools.enabled=false}. Needs {@code spring-boot-health} (brought by
 * {@code spring-boot-starter-actuator}).
 */
@AutoConfiguration(after = SwitchboardPoolAutoConfiguration.class)
@ConditionalOnClass(HealthContributor.class)
@ConditionalOnBean(ChannelPools.class)
@ConditionalOnEnabledHealthIndicator("channel-pools")
public final class SwitchboardHealthAutoConfiguration {

  /** Used by Spring Boot's auto-configuration. */
  public SwitchboardHealthAutoConfiguration() {}

  @Bean
  CompositeHealthContributor channelPoolsHealthContributor(ChannelPools pools) {
    return ChannelPoolsHealth.contributor(pools);
  }
}
