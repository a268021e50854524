/** The patterns' titles, as the lessons view and the first screen show them. */
export const PATTERN_TITLES: Record<string, string> = {
  monitoring: 'Monitoring',
  'vertical-scaling': 'Vertical scaling',
  'read-replicas': 'Read replicas',
  'connection-pooling': 'Connection pooling',
  sharding: 'Sharding',
  caching: 'Caching',
};
