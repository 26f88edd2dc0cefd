"""What each pane shows, read through boto3 (in worker threads) into plain rows."""
