// filled in with the events page
