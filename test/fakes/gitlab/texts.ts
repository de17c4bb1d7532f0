// Titles, messages and comments the generated history draws from. All made up.

export const MR_TITLES: readonly string[] = [
  'Add retry with backoff to the payment client',
  'Fix rounding of discounts on multi-currency carts',
  'Move session storage to Redis',
  'Upgrade to Node 20',
  'Add feature flag for the new search page',
  'Refactor order state machine',
  'Cache product catalogue responses',
  'Fix flaky checkout integration test',
  'Add structured logging to the API',
  'Remove deprecated v1 endpoints',
  'Paginate the order history endpoint',
  'Improve error messages on the signup form',
  'Add dark mode to settings',
  'Bump dependencies (security)',
  'Split the monolithic config module',
  'Add metrics for queue latency',
  'Fix timezone handling in reports',
  'Migrate CI to the shared runner fleet',
  'Add idempotency keys to order creation',
  'Speed up the product listing query',
  'Handle expired tokens in the mobile client',
  'Add accessibility labels to the cart',
  'Introduce rate limiting on the public API',
  'Fix memory leak in the image resizer',
];

export const COMMIT_MESSAGES: readonly string[] = [
  'Add tests',
  'Address review comments',
  'Fix lint',
  'Handle the empty case',
  'Rename for clarity',
  'Update snapshot',
  'Extract helper',
  'Add missing null check',
  'Tidy up imports',
  'Document the new option',
  'Fix failing spec',
  'Use the shared HTTP client',
];

export const HOTFIX_MESSAGES: readonly string[] = [
  'Fix production config for the new release',
  'Revert the connection pool change',
  'Fix missing environment variable in deploy',
  'Roll back the schema change',
];

export const DIRECT_MESSAGES: readonly string[] = [
  'Update README',
  'Fix typo in docs',
  'Bump version',
  'Update CODEOWNERS',
];

export const REVIEW_COMMENTS: readonly string[] = [
  'Could we add a test for the error path?',
  'Nit: this name is a bit vague.',
  'Should this be behind the feature flag?',
  'This query runs once per item; can we batch it?',
  'Why not reuse the existing helper here?',
  'I think this needs a migration note in the changelog.',
  'Looks good overall, a couple of small things.',
  'Can we log the request id here?',
  'This will break older clients, are we sure?',
];

export const REPLIES: readonly string[] = [
  'Good point, done.',
  'Fixed in the latest push.',
  'Added a test.',
  'I would keep it for now and follow up separately.',
  'Thanks, updated.',
];

export const FILES: readonly string[] = [
  'src/client.ts',
  'src/orders/service.ts',
  'src/cart/discounts.ts',
  'app/models/user.rb',
  'lib/config.go',
  'README.md',
  'src/api/routes.ts',
];

export const LABELS: readonly string[] = ['backend', 'frontend', 'bug', 'feature', 'tech-debt', 'security'];

export const INCIDENT_TITLES: readonly string[] = [
  'Elevated 5xx error rate',
  'Checkout requests timing out',
  'Latency spike after the latest deploy',
  'Login failures for some customers',
  'Background jobs piling up in the queue',
  'Memory usage climbing until pods restart',
  'Payments declined by the provider integration',
  'Search returns no results',
];

export const ISSUE_TITLES: readonly string[] = [
  'Order history page is slow for large accounts',
  'Document the release process',
  'Flaky integration test in the payments suite',
  'Add an export to CSV',
  'Clean up unused feature flags',
  'Upgrade the base image',
  'Error message is unclear when the card is declined',
];
