/**
 * What Switchboard's own modules share and users must not rely on: argument checks, a daemon thread
 * factory, a future that cancels its source, and exception descriptions. Public only so that the
 * other modules can use it; it may change in any release.
 */
@Internal
package io.switchboard.core.internal;

import io.switchboard.core.Internal;
