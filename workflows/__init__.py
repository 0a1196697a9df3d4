"""Process managers: period close, bulletin publication, rewards, chasing, errata, appeals."""
