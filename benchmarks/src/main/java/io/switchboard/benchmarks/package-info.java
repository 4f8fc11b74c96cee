/** JMH benchmarks, each measuring Switchboard against its baseline in the same run. */
package io.switchboard.benchmarks;
