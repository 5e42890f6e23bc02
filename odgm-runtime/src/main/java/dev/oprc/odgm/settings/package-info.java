/**
 * Settings: each module declares its {@code ODGM_*} / {@code OPRC_*} variables once (name,
 * default, check, one-line doc) and reads them through one shared reader; every bad value is one
 * configuration error naming the variable and what it accepts.
 */
package dev.oprc.odgm.settings;
