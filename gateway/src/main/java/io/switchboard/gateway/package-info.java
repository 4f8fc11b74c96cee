/** A gRPC gateway that routes calls by service name to pooled backends (to be built: issue 7). */
package io.switchboard.gateway;
