/**
 * Lifecycle: components that start in order and close in reverse, and the one worker type that
 * owns every long-running loop thread of the node.
 */
package dev.oprc.odgm.lifecycle;
