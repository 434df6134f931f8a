/**
 * Builds the Go load generator before the bench goes into its network namespace: there, Go's
 * module proxy is out of reach, and a machine whose module cache is empty could not build it.
 */
import { buildLoadgen } from './loadgen.js';

buildLoadgen();
