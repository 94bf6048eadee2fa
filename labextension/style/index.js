import './base.css';
import './transcript.css';
import './mcp.css';
import './branches.css';
import './models.css';
import './context.css';
import './serverRequests.css';
