/** The process entry point: the only place that exits the process. */
import { main } from './main.js';

const code = await main(process.argv);
// Exit once stdout has drained, so piped output (fix plan --format json | jq) is never cut.
process.stdout.write('', () => process.exit(code));
