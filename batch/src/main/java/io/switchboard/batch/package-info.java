/** Bounded batch fan-out with per-item outcomes as data (to be built: issue 5). */
package io.switchboard.batch;
