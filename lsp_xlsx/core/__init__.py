"""What every stage shares: findings and their catalogue, errors, safe cell text, dates,
atomic files and streamed sheet XML. Nothing here knows about a particular stage."""
